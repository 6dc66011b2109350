// The schedule grid's drag and drop. A shift dragged along a lane moves to the quarter
// hour under its left edge (on another agent's lane, to that agent); dropped on another
// agent's shift, the two swap. Both post the endpoints of the forms under the grid, so
// the server checks a drag as it checks the forms; it answers with the schedule section
// redrawn: the coverage recomputed, or (400) the refusal's message with every shift where
// it was. Enter or a click on a shift fills the move form and the swap form's first
// shift, Shift+Enter or Shift+click its second: the forms are the keyboard's way.
(function () {
  let dragged = null;
  let grabX = 0;

  const grid = () => document.getElementById("shift-grid");
  const two = (n) => String(n).padStart(2, "0");

  // The start the dragged bar's left edge points at on `lane`, on a quarter hour.
  const startOn = (lane, clientX) => {
    const box = lane.getBoundingClientRect();
    const first = Number(grid().dataset.firstSlot);
    const slots = Number(grid().dataset.slots);
    const slot = first + Math.round(((clientX - grabX - box.left) / box.width) * slots);
    const clamped = Math.max(0, Math.min(slot, 95));
    return `${two(Math.floor(clamped / 4))}:${two((clamped % 4) * 15)}`;
  };

  // Where a drop lands: another shift (a swap) or a lane (a move); the dragged bar itself
  // stands for its own lane, as a short move leaves the pointer over it.
  const dropTarget = (event) => {
    const over = event.target.closest && event.target.closest("#shift-grid .shift, #shift-grid .lane[data-agent]");
    return over === dragged ? dragged.closest(".lane") : over;
  };

  // Where the drop would go, said while dragging.
  const hint = (text) => {
    const line = document.getElementById("grid-drop");
    if (line) line.textContent = text;
  };

  const post = (url, values) =>
    htmx.ajax("POST", url, { source: grid(), target: "#schedule", swap: "outerHTML", values });

  document.addEventListener("dragstart", (event) => {
    const shift = event.target.closest && event.target.closest("#shift-grid[data-move-url] .shift");
    if (!shift) return;
    dragged = shift;
    grabX = event.clientX - shift.getBoundingClientRect().left;
    event.dataTransfer.setData("text/plain", shift.dataset.shift);
    event.dataTransfer.effectAllowed = "move";
    shift.classList.add("dragging");
  });

  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    hint("");
  });

  document.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const over = dropTarget(event);
    if (!over) return;
    event.preventDefault();
    hint(over.classList.contains("shift")
      ? `Drop to swap #${dragged.dataset.shift} with #${over.dataset.shift}`
      : `Drop to start #${dragged.dataset.shift} at ${startOn(over, event.clientX)}`);
  });

  document.addEventListener("drop", (event) => {
    if (!dragged) return;
    const over = dropTarget(event);
    if (!over) return;
    event.preventDefault();
    const shift = dragged.dataset.shift;
    if (over.classList.contains("shift")) {
      post(grid().dataset.swapUrl, { shift, other: over.dataset.shift, day: grid().dataset.day });
    } else {
      post(grid().dataset.moveUrl, {
        shift, day: grid().dataset.day, start: startOn(over, event.clientX), agent: over.dataset.agent,
      });
    }
  });

  const pick = (shift, second) => {
    const set = (id, value) => {
      const field = document.getElementById(id);
      if (field) field.value = value;
    };
    if (second) {
      set("swap-other", shift.dataset.shift);
      return;
    }
    set("move-shift", shift.dataset.shift);
    set("move-day", grid().dataset.day);
    set("move-start", shift.dataset.start);
    set("swap-shift", shift.dataset.shift);
  };

  document.addEventListener("click", (event) => {
    const shift = event.target.closest && event.target.closest("#shift-grid[data-move-url] .shift");
    if (shift) pick(shift, event.shiftKey);
  });

  document.addEventListener("keydown", (event) => {
    const shift = event.target.closest && event.target.closest("#shift-grid[data-move-url] .shift");
    if (shift && event.key === "Enter") {
      event.preventDefault();
      pick(shift, event.shiftKey);
    }
  });

  // A refused edit answers 400 with the section and its message: show it (htmx leaves
  // error answers out by default).
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr.status === 400 && event.detail.target.id === "schedule") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
