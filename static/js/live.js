// Live updates: a page names its websocket in <body data-live-url>. Each message
// {"event": name} becomes an htmx event on <body>, so fragments that listen with
// hx-trigger="name from:body" re-fetch themselves over HTTP. Notices sent while the socket
// was down are lost: on reconnecting, "live-reconnected" tells fragments to re-fetch.
(function () {
  const path = document.body.dataset.liveUrl;
  if (!path) return;
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  let delay = 1000;
  let opened = false;

  function connect() {
    const socket = new WebSocket(`${scheme}//${window.location.host}${path}`);
    socket.addEventListener("open", () => {
      delay = 1000;
      document.body.dataset.liveState = "connected";
      if (opened) htmx.trigger(document.body, "live-reconnected", {});
      opened = true;
    });
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(message.data);
      htmx.trigger(document.body, data.event, data);
    });
    socket.addEventListener("close", (close) => {
      document.body.dataset.liveState = "disconnected";
      if (close.code === 4403) return; // not allowed: retrying will not help
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }
  connect();
})();
