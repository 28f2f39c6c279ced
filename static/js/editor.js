// The meeting editor, progressively enhanced. Without this file every button posts an
// `op` that the server applies; with it the same buttons work without a page load.
// Rows carry a stable key: moving a row moves its inputs, so nothing is renumbered.
(function () {
  "use strict";

  // A page whose typed text is now stored on the server (a submitted contribution)
  // names the editor page whose copy in this browser is no longer needed.
  document.querySelectorAll("[data-forget-editor-copy]").forEach((el) => {
    localStorage.removeItem("meeting-editor:" + el.dataset.forgetEditorCopy);
  });

  const form = document.getElementById("meeting-editor");
  if (!form) return;

  const MAX_DEPTH = 5;
  // The marks that start a bullet: the server's list (meetings.markers), from the page.
  const MARKER_RE = new RegExp(form.dataset.markerPattern);
  // Heading marks and numbering series: the server's lists (meetings.markers), from the page.
  const MARKS = JSON.parse(form.dataset.markers || "{}");
  const COUNTED_RE = MARKS.counted ? new RegExp(MARKS.counted) : null;
  const TAIL_RE = /^(.*?(?:など|ほか|等))?(\s*)計\s*([0-9]+)\s*(名|人)(?:[((]内テレビ会議\s*([0-9]+)\s*(?:名|人)[))])?$/;

  // ---- small helpers -------------------------------------------------------

  // "n…": a row typed here; a stored row's key is "p" and its id (the save keeps that row).
  const newKey = () => "n" + Math.random().toString(36).slice(2, 9).padEnd(7, "0");
  const rowOf = (el) => el.closest("[data-row]");
  const findRow = (kind, key) =>
    form.querySelector(`[data-row="${kind}"][data-key="${CSS.escape(key)}"]`);
  const toHalfWidth = (s) =>
    s.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));

  function clone(templateId, replacements) {
    let html = document.getElementById(templateId).innerHTML;
    for (const [from, to] of Object.entries(replacements)) {
      html = html.split(from).join(to);
    }
    const holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  }

  function focusField(row, selector) {
    const field = row && row.querySelector(selector || "textarea, input:not([type=hidden]), select");
    if (field) field.focus();
    return field;
  }

  function markDirty() {
    form.dataset.dirty = "1";
    scheduleBackup();
  }

  // ---- rows ----------------------------------------------------------------

  function newItemRow(sectionKey, marker, depth) {
    const row = clone("tpl-i", { __SKEY__: sectionKey, __KEY__: newKey() });
    const markerInput = row.querySelector("input[name$='-marker']");
    if (markerInput && marker !== undefined) markerInput.value = marker;
    setDepth(row, depth || 0);
    return row;
  }

  // 部分公開: lines pasted into a withheld item stay withheld (as without JavaScript).
  function copyWithholding(from, to) {
    ["withheld_reason", "withheld_note"].forEach((name) => {
      const source = from.querySelector(`[name$='-${name}']`);
      const target = to.querySelector(`[name$='-${name}']`);
      if (source && target) target.value = source.value;
    });
    const details = to.querySelector("details.withhold-field");
    if (details && from.querySelector("details.withhold-field[open]")) details.open = true;
  }

  function newSectionRow(directive) {
    const row = clone(directive ? "tpl-s-directive" : "tpl-s", {
      __IKEY__: newKey(),
      __KEY__: newKey(),
    });
    refreshAgendaSelect(row.querySelector("[data-agenda-select]"));
    return row;
  }

  function depthOf(row) {
    return parseInt(row.querySelector("input[name$='-depth']").value || "0", 10);
  }

  function setDepth(row, depth) {
    row.querySelector("input[name$='-depth']").value = String(depth);
    row.className = row.className.replace(/\bdepth-\d+\b/, "").trim() + " depth-" + depth;
  }

  function addRow(kind, key) {
    const list = form.querySelector(`[data-list="${kind}"]`);
    let row;
    if (kind === "s") {
      row = newSectionRow(key === "directive");
      list.appendChild(row);
      focusField(row, "input[name$='-speaker']");
      return row;
    }
    row = clone(`tpl-${kind}`, { __KEY__: newKey() });
    const after = key ? findRow(kind, key) : null;
    if (after) after.after(row);
    else list.appendChild(row);
    if (kind === "g") refreshAgendaSelects();
    focusField(row, kind === "n" ? "input[type=file]" : "input:not([type=hidden]):not([name$='-marker'])");
    return row;
  }

  function appendItem(key) {
    // A new last item of the section with this key.
    const section = findRow("s", key);
    if (!section) return null;
    const row = newItemRow(key, "・", 0);
    section.querySelector('[data-list="i"]').appendChild(row);
    focusField(row, "textarea");
    return row;
  }

  function addItem(key) {
    // A new item after the item with this key (else the last item of a section).
    const item = findRow("i", key);
    if (!item) return appendItem(key);
    const sectionKey = rowOf(item.parentElement).dataset.key;
    // Under a sub-heading: its first item, one level in; after (1): (2).
    const heading = item.querySelector("input[name$='-is_heading']");
    const marker = item.querySelector("input[name$='-marker']").value.trim() || "・";
    const row = heading && heading.checked
      ? newItemRow(sectionKey, "・", Math.min(depthOf(item) + 1, MAX_DEPTH))
      : newItemRow(sectionKey, nextMarker(marker), depthOf(item));
    item.after(row);
    focusField(row, "textarea");
    return row;
  }

  // The mark of the next sibling, as meetings.markers.next_marker: (1) → (2), ① → ②.
  function nextMarker(marker) {
    const mark = marker.trim();
    const wraps = [["", ""], ["(", ")"], ["\uff08", "\uff09"]];
    const ends = ["", ".", "\uff0e", ")", "\uff09"];
    for (const series of MARKS.series || []) {
      const chars = Array.from(series);
      for (let n = 0; n < chars.length - 1; n++) {
        const at = mark.indexOf(chars[n]);
        if (at < 0) continue;
        const before = mark.slice(0, at);
        const after = mark.slice(at + chars[n].length);
        if (wraps.some(([b, a]) => b === before && a === after) || (!before && ends.includes(after))) {
          return before + chars[n + 1] + after;
        }
      }
    }
    const match = COUNTED_RE && COUNTED_RE.exec(mark);
    if (!match) return marker;
    const full = /[\uff10-\uff19]/.test(match[2]);
    let number = String(parseInt(toHalfWidth(match[2]), 10) + 1);
    if (full) number = number.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    return match[1] + number + match[3];
  }

  // A mark typed at the start of a verbatim heading is the heading's marker:
  // 「●放射性物質…」 selects ● and keeps 放射性物質… (never ■●放射性物質…).
  function takeHeadingMark(input) {
    const select = rowOf(input).querySelector("select[name$='-marker']");
    if (!select) return;
    const value = input.value;
    const bracket = /^【([^【】]*)】$/.exec(value.trim());
    let mark = null;
    let rest = value;
    if (bracket && (MARKS.heading || []).includes("【】")) {
      mark = "【】";
      rest = bracket[1];
    } else {
      const first = Array.from(value.trimStart())[0];
      if (first && first.length === 1 && (MARKS.heading || []).includes(first)) {
        mark = first;
        rest = value.trimStart().slice(1).trimStart();
      }
    }
    if (mark === null) return;
    select.value = mark;
    input.value = rest;
  }

  function moveRow(row, direction) {
    const sibling = direction === "up" ? row.previousElementSibling : row.nextElementSibling;
    if (!sibling) return;
    if (direction === "up") sibling.before(row);
    else sibling.after(row);
    if (row.dataset.row === "g") refreshAgendaSelects();
  }

  function indent(row, delta) {
    const previous = row.previousElementSibling;
    const limit = previous ? depthOf(previous) + 1 : 0;
    const depth = Math.max(0, Math.min(depthOf(row) + delta, limit, MAX_DEPTH));
    setDepth(row, depth);
  }

  function removeRow(row) {
    const kind = row.dataset.row;
    const previous = row.previousElementSibling;
    row.remove();
    if (kind === "g") refreshAgendaSelects();
    return previous;
  }

  // ---- agenda choices in sections ------------------------------------------

  function agendaChoices() {
    return Array.from(form.querySelectorAll('[data-row="g"]')).map((row) => {
      const marker = row.querySelector("input[name$='-marker']").value;
      const text = row.querySelector("input[name$='-text']").value;
      return [row.dataset.key, (marker + (text || "(未入力)")).slice(0, 30)];
    });
  }

  function refreshAgendaSelect(select, choices) {
    if (!select) return;
    const current = select.value;
    select.replaceChildren(new Option("(指定なし)", ""));
    for (const [key, label] of choices || agendaChoices()) {
      select.add(new Option(label, key, false, key === current));
    }
  }

  function refreshAgendaSelects() {
    const choices = agendaChoices();
    form.querySelectorAll("[data-agenda-select]").forEach((s) => refreshAgendaSelect(s, choices));
  }

  // ---- pasting -------------------------------------------------------------

  function pasteAttendees(replace) {
    const box = document.getElementById("id_paste_attendees");
    const parts = box.value.split(/[,,、\n]+/).map((p) => p.trim()).filter(Boolean);
    const list = form.querySelector('[data-list="a"]');
    // Blank rows give way to the pasted ones; with 「置き換え」 every row does.
    list.querySelectorAll('[data-row="a"]').forEach((row) => {
      if ((replace && parts.length) || !row.querySelector("input[name$='-role']").value.trim()) row.remove();
    });
    let last = null;
    for (const part of parts) {
      const tail = TAIL_RE.exec(toHalfWidth(part));
      if (tail) {
        // 「…ほか 計21名」 keeps its space (as the server does).
        setValue("id_attendee_tail", (tail[1] || "").trim() + (tail[1] && tail[2] ? " " : ""));
        setValue("id_attendee_total", tail[3]);
        setValue("id_attendee_unit", tail[4]);
        if (tail[5]) setValue("id_attendee_remote", tail[5]);
        continue;
      }
      const remote = /^[((].*[))]$/.test(part);
      last = clone("tpl-a", { __KEY__: newKey() });
      last.querySelector("input[name$='-role']").value = remote ? part.slice(1, -1).trim() : part;
      last.querySelector("input[name$='-is_remote']").checked = remote;
      list.appendChild(last);
    }
    box.value = "";
    if (last) focusField(last);
  }

  // 「前回の出席者を入力」: the previous meeting's rows replace the list (an explicit
  // choice; a new meeting starts empty).
  function insertPreviousAttendees() {
    const button = document.getElementById("previous-attendees");
    const list = form.querySelector('[data-list="a"]');
    if (!button || !list) return;
    const rows = JSON.parse(button.dataset.attendees || "[]");
    list.querySelectorAll('[data-row="a"]').forEach((row) => row.remove());
    let last = null;
    for (const attendee of rows) {
      last = clone("tpl-a", { __KEY__: newKey() });
      last.querySelector("input[name$='-role']").value = attendee.role;
      last.querySelector("input[name$='-is_remote']").checked = !!attendee.is_remote;
      last.querySelector("input[name$='-is_outside']").checked = !!attendee.is_outside;
      list.appendChild(last);
    }
    if (last) focusField(last);
  }

  // After × the focus goes to the row that took its place, else the one before it,
  // else the list's add button: never to <body>.
  function focusAfterRemoval(row, kind) {
    const next = row.nextElementSibling;
    const section = kind === "i" ? rowOf(row.parentElement) : null;
    const previous = removeRow(row);
    const target = next || previous;
    if (target) {
      focusField(target, kind === "i" ? "textarea" : undefined);
      return;
    }
    const add = document.getElementById(section ? "add-i-" + section.dataset.key : "add-" + kind);
    if (add) add.focus();
  }

  function setValue(id, value) {
    const field = document.getElementById(id);
    if (field) field.value = value;
  }

  function pasteItems(textarea, text) {
    // Pasted lines become items; an indented line without a marker continues the last.
    const item = rowOf(textarea);
    const sectionKey = rowOf(item.parentElement).dataset.key;
    const baseDepth = depthOf(item);
    const lines = text.replace(/\r\n/g, "\n").split("\n").filter((l) => l.trim());
    let firstIndent = null;
    let row = item;
    let first = !textarea.value.trim();
    for (const raw of lines) {
      const indentWidth = raw.length - raw.replace(/^[ \u3000\t]+/, "").length;
      if (firstIndent === null) firstIndent = indentWidth;
      const match = MARKER_RE.exec(raw);
      const body = (match ? raw.slice(match[0].length) : raw).trim();
      if (!match && row !== item && indentWidth > firstIndent) {
        const area = row.querySelector("textarea");
        area.value += body;
        continue;
      }
      const depth = baseDepth + (match && indentWidth > firstIndent ? 1 : 0);
      if (!first) {
        const next = newItemRow(sectionKey, match ? match[1] : "", depth);
        copyWithholding(item, next);
        row.after(next);
        row = next;
      } else if (match) {
        row.querySelector("input[name$='-marker']").value = match[1];
      }
      first = false;
      row.querySelector("textarea").value = row === item ? textarea.value + body : body;
    }
    focusField(row, "textarea");
  }

  // ---- operations (the same values the server understands) -----------------

  function runOp(op) {
    const [action, kind, key] = op.split(":");
    if (op === "paste:attendees") return pasteAttendees(false), true;
    if (op === "paste:attendees:replace") return pasteAttendees(true), true;
    if (op === "previous:attendees") return insertPreviousAttendees(), true;
    if (action === "append" && kind === "i") return appendItem(key), true;
    if (action === "add") {
      if (kind === "i") return addItem(key), true;
      return addRow(kind, key), true;
    }
    const row = findRow(kind, key);
    if (!row) return false;
    if (action === "remove") {
      focusAfterRemoval(row, kind);
      return true;
    }
    if (action === "up" || action === "down") return moveRow(row, action), true;
    if (action === "indent") return indent(row, +1), true;
    if (action === "outdent") return indent(row, -1), true;
    return false;
  }

  function confirmRemoval(op) {
    // A stored section that incident records point at (links, follow-up reports,
    // alert changes, directive assignments): saving without it removes or detaches them.
    const [action, kind, key] = op.split(":");
    if (action !== "remove" || kind !== "s") return true;
    const row = findRow(kind, key);
    const count = row ? parseInt(row.dataset.references || "0", 10) : 0;
    if (!count) return true;
    return window.confirm(
      `このセクション(または項目)は事案・指示事項の記録${count}件から参照されています。` +
      "削除して保存すると、事案との関連付けと取組報告は削除され、警戒レベルの記録と指示事項の割当ては" +
      "このセクションとの紐付けが外れます。削除しますか?"
    );
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[name=op]");
    if (!button) return;
    if (!confirmRemoval(button.value)) {
      event.preventDefault();
      return;
    }
    if (runOp(button.value)) {
      event.preventDefault();
      markDirty();
      if (!button.isConnected) return;
      if (/^(up|down|indent|outdent):/.test(button.value)) button.focus();
    }
  });

  // ---- keyboard ------------------------------------------------------------

  form.addEventListener("keydown", (event) => {
    if (event.isComposing || event.keyCode === 229) return; // IME conversion
    const target = event.target;
    const row = rowOf(target);
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      form.requestSubmit(document.getElementById("save-button"));
      return;
    }
    if (row && row.dataset.row === "i" && target.tagName === "TEXTAREA") {
      if (event.key === "Enter" && !event.shiftKey && !event.altKey) {
        event.preventDefault();
        runOp(`add:i:${row.dataset.key}`);
        markDirty();
      } else if (event.altKey && event.shiftKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
        event.preventDefault();
        indent(row, event.key === "ArrowRight" ? 1 : -1);
        markDirty();
      } else if (event.altKey && event.shiftKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
        event.preventDefault();
        moveRow(row, event.key === "ArrowUp" ? "up" : "down");
        target.focus();
        markDirty();
      } else if (event.key === "Backspace" && target.value === "" && row.previousElementSibling) {
        event.preventDefault();
        const previous = removeRow(row);
        const area = focusField(previous, "textarea");
        if (area) area.setSelectionRange(area.value.length, area.value.length);
        markDirty();
      }
      return;
    }
    if (event.key === "Enter" && target.tagName === "INPUT" && target.type !== "submit") {
      // Enter in a row adds the next row; elsewhere it must not submit half a meeting.
      event.preventDefault();
      if (row && (row.dataset.row === "a" || row.dataset.row === "g")) {
        runOp(`add:${row.dataset.row}:${row.dataset.key}`);
        markDirty();
      }
    }
  });

  form.addEventListener("paste", (event) => {
    const target = event.target;
    const row = rowOf(target);
    if (!row || row.dataset.row !== "i" || target.tagName !== "TEXTAREA") return;
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!text.includes("\n")) return;
    event.preventDefault();
    pasteItems(target, text);
    markDirty();
  });

  form.addEventListener("input", (event) => {
    markDirty();
    const row = rowOf(event.target);
    if (row && row.dataset.row === "g") refreshAgendaSelects();
    if (event.target.id === "id_held_on") showWareki();
  });
  form.addEventListener("change", (event) => {
    markDirty();
    const target = event.target;
    if (target.name && /^s-.*-heading$/.test(target.name)) takeHeadingMark(target);
    if (target.name && /-is_heading$/.test(target.name)) {
      rowOf(target).classList.toggle("is-subheading", target.checked);
    }
  });

  // ---- 和暦 beside the date ------------------------------------------------
  // The hint comes from the server's own parser (meetings.wareki.parse_date_input,
  // URL in data-hint-url), so the hint and the saved date always agree.

  let hintTimer = null;
  let hintRequest = 0;

  function showWareki() {
    const output = document.getElementById("held_on_wareki");
    const input = document.getElementById("id_held_on");
    if (!output || !input || !output.dataset.hintUrl) return;
    clearTimeout(hintTimer);
    hintTimer = setTimeout(() => {
      const request = ++hintRequest;
      const url = output.dataset.hintUrl + "?value=" + encodeURIComponent(input.value);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : null))
        .then((answer) => {
          if (!answer || request !== hintRequest) return;
          output.textContent = answer.hint;
          output.classList.toggle("text-danger", !answer.ok);
        })
        .catch(() => {});
    }, 250);
  }

  // ---- never lose what was typed -------------------------------------------
  // A copy of the form is kept in this browser while typing; if the page is closed or
  // crashes before saving, the next visit offers it back (the server re-renders it).

  const backupKey = "meeting-editor:" + location.pathname;
  let backupTimer = null;

  function scheduleBackup() {
    clearTimeout(backupTimer);
    backupTimer = setTimeout(saveBackup, 500);
  }

  function saveBackup() {
    const entries = [];
    for (const [name, value] of new FormData(form)) {
      if (name === "csrfmiddlewaretoken" || typeof value !== "string") continue;
      entries.push([name, value]);
    }
    try {
      localStorage.setItem(backupKey, JSON.stringify({ savedAt: Date.now(), entries }));
    } catch (e) {
      /* storage full or disabled: the server-side paths still keep the input */
    }
  }

  function restoreBackup(backup) {
    const restore = document.createElement("form");
    restore.method = "post";
    restore.action = location.pathname;
    restore.hidden = true;
    const add = (name, value) => {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      restore.appendChild(input);
    };
    add("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    for (const [name, value] of backup.entries) add(name, value);
    add("op", "restore");
    document.body.appendChild(restore);
    localStorage.removeItem(backupKey);
    restore.submit();
  }

  if (document.querySelector(".messages .alert-success")) {
    // Just saved: this page's copy and those of new meetings are in the database now.
    for (const key of Object.keys(localStorage)) {
      if (key === backupKey || key.startsWith("meeting-editor:") && key.includes("/meetings/new/")) {
        localStorage.removeItem(key);
      }
    }
  }
  const stored = localStorage.getItem(backupKey);
  const banner = document.getElementById("restore-banner");
  // A page shown again after a POST already holds everything that was typed.
  if (stored && banner && !form.dataset.posted) {
    banner.hidden = false;
    banner.querySelector("[data-restore]").addEventListener("click", () => restoreBackup(JSON.parse(stored)));
    banner.querySelector("[data-discard]").addEventListener("click", () => {
      localStorage.removeItem(backupKey);
      banner.hidden = true;
    });
  }

  form.addEventListener("submit", () => {
    // Kept until the saved page comes back, in case the request never arrives.
    form.dataset.submitting = "1";
    clearTimeout(backupTimer);
    saveBackup();
  });

  window.addEventListener("beforeunload", (event) => {
    if (form.dataset.dirty && !form.dataset.submitting) {
      saveBackup();
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // ---- the fixed save bar never covers the focused field -------------------
  // CSS keeps room for it (scroll-padding-bottom); this catches what CSS cannot
  // (a bar taller than the padding on a narrow screen, a tall textarea).

  const saveBar = form.querySelector(".editor-actions");

  function keepClearOfSaveBar(target) {
    if (!saveBar || !target || saveBar.contains(target)) return;
    const bar = saveBar.getBoundingClientRect();
    const rect = target.getBoundingClientRect();
    if (rect.height === 0 || rect.bottom <= bar.top || rect.top >= bar.bottom) return;
    const by = Math.min(rect.bottom - bar.top + 8, rect.top - 8);
    if (by > 0) window.scrollBy({ top: by, behavior: "instant" });
  }

  form.addEventListener("focusin", (event) => {
    keepClearOfSaveBar(event.target);
    // The browser may scroll the field into view after this event: check once more.
    requestAnimationFrame(() => keepClearOfSaveBar(document.activeElement));
  });

  // The editor opens with the focus on its first field.
  function focusFirstField() {
    const field = form.querySelector(
      "select:not([tabindex='-1']), input:not([type=hidden]):not([tabindex='-1']), textarea"
    );
    if (field) field.focus({ preventScroll: true });
  }

  // ---- after a page load ---------------------------------------------------

  showWareki();
  const summary = document.getElementById("error-summary") || document.getElementById("conflict");
  if (summary) summary.focus();
  else if (form.dataset.focus && document.getElementById(form.dataset.focus)) {
    document.getElementById(form.dataset.focus).focus();
  } else {
    focusFirstField();
  }
})();
