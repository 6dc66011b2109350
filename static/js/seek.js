// A moment on the call's page (an automated-QA result, a transcript's utterance) plays
// its recording from there.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-seek-ms]");
  if (!link) return;
  const player = document.querySelector(`audio[data-recording="${link.dataset.seekRecording}"]`);
  if (!player) return; // media not stored: the link just jumps to the recording's section
  event.preventDefault();
  player.currentTime = Number(link.dataset.seekMs) / 1000;
  player.play().catch(() => {}); // autoplay may be refused; the position is set either way
});
