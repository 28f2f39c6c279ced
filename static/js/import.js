// 「テキストから作成」, progressively enhanced: everything works without this file.
// With it, a warning's line number selects that line in the text box (plain text only;
// for HTML the numbers count the extracted text, so the link's own target is shown),
// and a result made from text that has since been changed is marked as stale.
(function () {
  "use strict";

  const form = document.getElementById("import-form");
  if (!form) return;
  const textarea = document.getElementById("id_text");
  const result = document.getElementById("import-result");

  function selectLine(number) {
    const lines = textarea.value.split("\n");
    if (number < 1 || number > lines.length) return false;
    let start = 0;
    for (let n = 0; n < number - 1; n += 1) start += lines[n].length + 1;
    const end = start + lines[number - 1].length;
    textarea.focus();
    textarea.setSelectionRange(start, end);
    const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
    textarea.scrollTop = Math.max(0, (number - 3) * lineHeight);
    textarea.scrollIntoView({ block: "nearest" });
    return true;
  }

  if (form.dataset.source === "text") {
    form.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-line]");
      if (!link) return;
      if (selectLine(parseInt(link.dataset.line, 10))) event.preventDefault();
    });
  }

  if (result) {
    const original = textarea.value;
    const notes = result.querySelectorAll("[data-stale-note]");
    textarea.addEventListener("input", () => {
      const stale = textarea.value !== original;
      result.classList.toggle("import-stale", stale);
      notes.forEach((note) => {
        note.hidden = !stale;
      });
    });
  }
})();
