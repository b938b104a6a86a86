// The kiosk's inactivity timer: after data-idle seconds without a touch, a key or a scroll it ends
// the session (submitting the kiosk's end-session form) or, with nobody signed in, returns to the
// kiosk's start. Without JavaScript the page's <noscript> refresh does the same. While someone
// signed in keeps touching a page that sends nothing to the server (a long form), it tells the
// server at most every 30 seconds (POST /kiosk/alive), whose idle limit otherwise counts from the
// last page; if the server has ended the session meanwhile, it returns to the kiosk's start.
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
  var signedIn = document.getElementById("kiosk-end") !== null;
  var lastAlive = Date.now();
  function alive() {
    if (!signedIn || Date.now() - lastAlive < 30000 || !window.fetch) {
      return;
    }
    lastAlive = Date.now();
    window.fetch("/kiosk/alive", { method: "POST", credentials: "same-origin" }).then(function (res) {
      if (res.status === 401) {
        window.location.assign(bar.getAttribute("data-timeout"));
      }
    }, function () {});
  }
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
    alive();
  }
  ["pointerdown", "keydown", "wheel", "scroll", "touchstart", "input"].forEach(function (type) {
    document.addEventListener(type, reset, { capture: true, passive: true });
  });
  reset();
})();
