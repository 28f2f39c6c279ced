/* The reading version of a page (ふりがな): copying gives the text without the
   readings (<rt>) and their fallback parentheses (<rp>). */
(function () {
  "use strict";
  document.addEventListener("copy", function (event) {
    var selection = window.getSelection();
    if (!selection || !selection.rangeCount || !event.clipboardData) {
      return;
    }
    var holder = document.createElement("div");
    holder.className = "reading-copy-holder";
    for (var i = 0; i < selection.rangeCount; i += 1) {
      holder.appendChild(selection.getRangeAt(i).cloneContents());
    }
    if (!holder.querySelector("rt, rp")) {
      return; // nothing to take out: the browser copies as usual
    }
    Array.prototype.forEach.call(holder.querySelectorAll("rt, rp"), function (node) {
      node.remove();
    });
    document.body.appendChild(holder); // laid out, so that innerText keeps line breaks
    var text = holder.innerText;
    holder.remove();
    event.clipboardData.setData("text/plain", text);
    event.preventDefault();
  });
})();
