// Counts down a presented licence's QR code and greys it out once it has expired. The page says
// when it expires without this script.
(function () {
  "use strict";
  var el = document.getElementById("expires");
  if (!el) return;
  var expires = parseInt(el.getAttribute("data-expires"), 10) * 1000;
  var countdown = document.getElementById("countdown");
  var expired = document.getElementById("expired");
  var qr = document.getElementById("qr");
  countdown.hidden = false;
  function tick() {
    var left = Math.max(0, Math.round((expires - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    countdown.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (left === 0) {
      countdown.hidden = true;
      expired.hidden = false;
      qr.classList.add("is-expired");
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
