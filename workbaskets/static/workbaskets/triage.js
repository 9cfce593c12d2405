// Work baskets: keyboard use of the basket list, "select all", and drag-to-reorder of baskets.
// A static file, because the Content-Security-Policy allows no inline scripts.
(function () {
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", () => {
      document.querySelectorAll("input[name=items]").forEach((box) => { box.checked = all.checked; });
    });
  }

  // "/" opens the filters, "j"/"k" move between items, Enter follows the focused link.
  if (document.getElementById("item-table")) {
    document.addEventListener("keydown", (event) => {
      const tag = (event.target.tagName || "").toLowerCase();
      if (["input", "select", "textarea"].includes(tag) || event.ctrlKey || event.metaKey || event.altKey) return;
      const links = Array.from(document.querySelectorAll(".ds-item-link"));
      const at = links.indexOf(document.activeElement);
      if (event.key === "/") {
        event.preventDefault();
        const filters = document.querySelector(".ds-filters");
        filters.open = true;
        filters.querySelector("input, select").focus();
      }
      if (event.key === "j" && links.length) links[Math.min(at + 1, links.length - 1)].focus();
      if (event.key === "k" && links.length) links[Math.max(at - 1, 0)].focus();
    });
  }

  // Drag a basket row; "Save this order" posts the order (the arrow buttons work without script).
  const body = document.querySelector("#basket-order tbody");
  if (body) {
    let dragged = null;
    body.addEventListener("dragstart", (event) => { dragged = event.target.closest("tr"); });
    body.addEventListener("dragover", (event) => {
      event.preventDefault();
      const over = event.target.closest("tr");
      if (!dragged || !over || over === dragged) return;
      const after = event.clientY > over.getBoundingClientRect().top + over.offsetHeight / 2;
      body.insertBefore(dragged, after ? over.nextSibling : over);
    });
  }
})();
