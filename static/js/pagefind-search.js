// The static search page (templates/site/search_static.html): searches the Pagefind
// index written into the public tree, so it works with no application server.
// A module file, never inline: the pages' CSP allows scripts from 'self' only (and
// 'wasm-unsafe-eval' on this page, for Pagefind's WebAssembly).
const form = document.getElementById("static-search-form");
const input = document.getElementById("static-search-q");
const statusBox = document.getElementById("static-search-status");
const list = document.getElementById("static-search-results");
const more = document.getElementById("static-search-more");
const pageSize = Number(form.dataset.pageSize) || 20;
const MIN_LENGTH = 2;
// Characters replaced in a query, from meetings.search.text.static_query_map (the
// pages carry the same folding of their katakana words, hidden, for the index).
const foldMap = JSON.parse(form.dataset.fold || "{}");

function fold(query) {
  return Array.from(query.normalize("NFKC"), (ch) => foldMap[ch] ?? ch).join("");
}

let pagefindModule = null;
let results = [];
let shown = 0;
let generation = 0;

async function pagefind() {
  if (!pagefindModule) {
    pagefindModule = await import(form.dataset.bundle + "pagefind.js");
    await pagefindModule.options({ excerptLength: 40 });
    await pagefindModule.init();
  }
  return pagefindModule;
}

// Pagefind's excerpt is escaped text with <mark> around matches: keep exactly those.
function excerptNodes(excerpt) {
  const template = document.createElement("template");
  template.innerHTML = excerpt;
  const nodes = [];
  for (const node of template.content.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      nodes.push(mark);
    } else {
      nodes.push(document.createTextNode(node.textContent));
    }
  }
  return nodes;
}

function resultItem(data) {
  const item = document.createElement("li");
  item.className = "meeting-row";
  const title = document.createElement("p");
  title.className = "meeting-row-title";
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = (data.meta && data.meta.title) || data.url;
  title.append(link);
  const snippet = document.createElement("p");
  snippet.className = "meeting-row-snippet";
  snippet.append(...excerptNodes(data.excerpt || ""));
  item.append(title, snippet);
  return item;
}

async function showMore(current) {
  const batch = results.slice(shown, shown + pageSize);
  const data = await Promise.all(batch.map((result) => result.data()));
  if (current !== generation) return;
  list.append(...data.map(resultItem));
  shown += batch.length;
  list.hidden = shown === 0;
  more.hidden = shown >= results.length;
}

async function run(query) {
  const current = ++generation;
  results = [];
  shown = 0;
  list.replaceChildren();
  list.hidden = true;
  more.hidden = true;
  if (query.replace(/\s/g, "").length < MIN_LENGTH) {
    statusBox.textContent = `${MIN_LENGTH}文字以上の語句を入力してください。`;
    return;
  }
  statusBox.textContent = "検索しています…";
  try {
    const search = await (await pagefind()).search(fold(query));
    if (current !== generation) return;
    results = search.results;
    await showMore(current);
    if (current !== generation) return;
    // Announced once the list is there.
    statusBox.textContent = results.length
      ? `「${query}」を含むページ:${results.length}件`
      : `「${query}」を含むページは見つかりませんでした。別の語句や、短い語句(例:「停電」)で検索してください。`;
  } catch (error) {
    if (current !== generation) return;
    statusBox.textContent =
      "検索の索引を読み込めませんでした。時間をおいて、もう一度お試しください。";
    console.error(error);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = input.value.trim();
  const url = new URL(window.location.href);
  url.searchParams.set("q", query);
  window.history.replaceState(null, "", url);
  run(query);
});

more.addEventListener("click", () => showMore(generation));

const initial = new URLSearchParams(window.location.search).get("q");
if (initial) {
  input.value = initial;
  run(initial.trim());
}
