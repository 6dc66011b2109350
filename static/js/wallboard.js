// The wallboard's clocks tick in the browser between snapshots: each [data-since] shows the
// time since then, by the server's clock (the snapshot's data-now corrects the skew).
(function () {
  let skew = 0;

  function readSkew() {
    const snapshot = document.getElementById("snapshot");
    if (snapshot && snapshot.dataset.now) skew = Date.parse(snapshot.dataset.now) - Date.now();
  }

  function clock(seconds) {
    const whole = Math.max(0, Math.floor(seconds));
    const h = Math.floor(whole / 3600);
    const m = Math.floor((whole % 3600) / 60);
    const s = String(whole % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  }

  function tick() {
    const now = Date.now() + skew;
    document.querySelectorAll("[data-since]").forEach((element) => {
      element.textContent = clock((now - Date.parse(element.dataset.since)) / 1000);
    });
  }

  document.addEventListener("DOMContentLoaded", readSkew);
  document.body.addEventListener("htmx:afterSwap", readSkew);
  setInterval(tick, 1000);
})();
