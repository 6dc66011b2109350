// A transcript's utterance plays its recording from where it starts.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-seek-ms]");
  if (!button) return;
  const list = button.closest("[data-player]");
  const player = list && document.getElementById(list.dataset.player);
  if (!player) return;
  player.currentTime = Number(button.dataset.seekMs) / 1000;
  player.play().catch(() => {}); // a browser may refuse to play before a gesture it counts
});
