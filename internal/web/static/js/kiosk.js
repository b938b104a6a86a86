// The kiosk's inactivity timer: after data-idle seconds without a touch, a key or a scroll it ends
// the session (submitting the kiosk's end-session form) or, with nobody signed in, returns to the
// kiosk's start. Without JavaScript the page's <noscript> refresh does the same.
(function () {
  "use strict";
  var bar = document.getElementById("kiosk-session");
  if (!bar) {
    return;
  }
  var idle = parseInt(bar.getAttribute("data-idle"), 10) * 1000;
  if (!(idle > 0)) {
    return;
  }
  var timer = 0;
  function end() {
    var form = document.getElementById("kiosk-end");
    if (form) {
      form.submit();
    } else {
      window.location.assign(bar.getAttribute("data-timeout"));
    }
  }
  function reset() {
    window.clearTimeout(timer);
    timer = window.setTimeout(end, idle);
  }
  ["pointerdown", "keydown", "wheel", "scroll", "touchstart", "input"].forEach(function (type) {
    document.addEventListener(type, reset, { capture: true, passive: true });
  });
  reset();
})();
