// The scoring page's comment form: "At the player's time" fills the moment (m:ss) from
// the first player's position.
document.addEventListener("click", (event) => {
  if (!event.target.closest("#at-now")) return;
  const player = document.querySelector("audio[data-recording]");
  const field = document.querySelector("#comment-form input[name=at]");
  if (!player || !field) return;
  const seconds = Math.floor(player.currentTime);
  field.value = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
});
