// Article HTML in the browser, for the visual editor (writer-visual.js): split a body into its
// top-level blocks, compare two pieces of HTML by what a reader gets (`canonical`), write the
// editor's document back as plain article HTML (`serialize`) and make a safe copy of a block to
// show (`displayCopy`). No DOM of the page is touched here; everything is parsed with DOMParser,
// which runs no script and loads no image.
(() => {
  // Inline tags: text-level markup inside a block. Everything else is a block.
  const INLINE = new Set([
    "a", "abbr", "b", "br", "cite", "code", "del", "em", "i", "img", "ins", "mark", "q", "s",
    "small", "span", "strike", "strong", "sub", "sup", "u",
  ]);
  // A lone <p> inside these reads the same as its text alone (<li><p>x</p></li> = <li>x</li>).
  const UNWRAP_P = new Set(["li", "blockquote", "td", "th", "dd", "dt", "figcaption"]);
  // Attributes that carry no content: styling, the editor's own marks, and `rel`, which the
  // server sets on every link when it saves.
  const IGNORED = new Set(["class", "style", "rel", "data-row", "data-list", "data-ed-th", "contenteditable", "spellcheck"]);
  const ALIAS = { b: "strong", i: "em", strike: "s" };
  const VOID = new Set(["img", "br", "hr"]);
  // What the visual editor writes inline (the rest of its inline DOM is its own machinery).
  const INLINE_OUT = new Set(["strong", "em", "u", "s", "sub", "sup", "code"]);
  // Mirrors apps/writer/html.py: what a block shown in the editor may keep. The server cleans
  // again on save; this only keeps a shown copy from running or restyling anything.
  const SHOW_TAGS = new Set([
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "a", "strong", "em", "b",
    "i", "u", "s", "sub", "sup", "mark", "small", "blockquote", "q", "cite", "code", "pre",
    "figure", "figcaption", "img", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "dl", "dt", "dd", "details", "summary", "span", "div", "section",
  ]);
  const DROP_WITH_CONTENT = new Set(["script", "style", "template", "iframe", "object", "embed", "noscript", "svg", "math", "textarea", "select", "title"]);
  const SHOW_ATTRS = new Set(["href", "src", "alt", "title", "width", "height", "colspan", "rowspan", "scope", "start"]);

  const parse = (html) =>
    new DOMParser().parseFromString(`<!doctype html><html><head></head><body>${html || ""}</body></html>`, "text/html").body;
  const escapeText = (text) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\u00a0/g, "&nbsp;");
  const escapeAttr = (text) => escapeText(text).replace(/"/g, "&quot;");
  const isInline = (node) => node.nodeType === Node.TEXT_NODE || (node.nodeType === Node.ELEMENT_NODE && INLINE.has(node.localName));
  const tagOf = (el) => ALIAS[el.localName] || el.localName;
  const blank = (text) => !text.replace(/[\s\u00a0\ufeff]/g, "");

  /** The body's top-level blocks as HTML strings; loose inline content becomes a paragraph. */
  function blocks(html) {
    const out = [];
    let run = [];
    const flush = () => {
      const meaningful = run.some((n) => (n.nodeType === Node.TEXT_NODE ? !blank(n.data) : n.localName !== "br"));
      if (meaningful) out.push(`<p>${run.map((n) => (n.nodeType === Node.TEXT_NODE ? escapeText(n.data) : n.outerHTML)).join("")}</p>`);
      run = [];
    };
    for (const node of parse(html).childNodes) {
      if (node.nodeType !== Node.TEXT_NODE && node.nodeType !== Node.ELEMENT_NODE) continue;
      if (isInline(node)) { run.push(node); continue; }
      flush();
      out.push(node.outerHTML);
    }
    flush();
    return out;
  }

  function attrs(el) {
    const list = [];
    for (const { name, value } of el.attributes) {
      const key = name === "data-ed-id" ? "id" : name;
      if (!IGNORED.has(key)) list.push(`${key}="${value.trim()}"`);
    }
    return list.sort().join(" ");
  }

  // Inline content as runs of text, each with the set of marks around it: the nesting order of
  // marks and where a tag is split (<b>a</b><b>b</b> = <b>ab</b>) do not change what one reads.
  function inlineCanonical(nodes) {
    const parts = [];
    const walk = (node, marks) => {
      if (node.nodeType === Node.TEXT_NODE) { parts.push({ marks, text: node.data.replace(/[\s\u00a0\ufeff]+/g, (s) => (s.replace(/\ufeff/g, "") ? " " : "")) }); return; }
      if (node.nodeType !== Node.ELEMENT_NODE) return;
      const tag = tagOf(node);
      if (tag === "br" || tag === "img") { parts.push({ marks, atom: tag === "br" ? "<br>" : `<img ${attrs(node)}>` }); return; }
      const a = attrs(node);
      const mark = tag === "span" && !a ? null : `${tag}${a ? " " + a : ""}`;
      const inner = mark ? [...marks, mark].sort() : marks;
      node.childNodes.forEach((child) => walk(child, inner));
    };
    nodes.forEach((node) => walk(node, []));
    while (parts.length && parts.at(-1).atom === "<br>") parts.pop(); // a trailing <br> shows nothing
    let out = "", lastKey = null, spaced = true;
    for (const part of parts) {
      const key = part.marks.join("|");
      if (part.atom) { out += `⟦${key}⟧${part.atom}`; lastKey = null; spaced = false; continue; }
      let text = part.text;
      if (spaced) text = text.replace(/^ /, "");
      if (!text) continue;
      spaced = text.endsWith(" ");
      out += (key === lastKey ? "" : `⟦${key}⟧`) + text;
      lastKey = key;
    }
    return out.replace(/ (⟦[^⟧]*⟧)?$/, "$1");
  }

  function canonicalChildren(parent) {
    let kids = [...parent.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE || n.nodeType === Node.ELEMENT_NODE);
    if (UNWRAP_P.has(parent.localName)) {
      const elements = kids.filter((n) => n.nodeType === Node.ELEMENT_NODE);
      const texts = kids.filter((n) => n.nodeType === Node.TEXT_NODE && !blank(n.data));
      if (elements.length === 1 && elements[0].localName === "p" && !texts.length && !elements[0].attributes.length) {
        kids = [...elements[0].childNodes];
      }
    }
    let out = "", run = [];
    const flush = () => { if (run.length) out += inlineCanonical(run); run = []; };
    for (const node of kids) {
      if (isInline(node)) { run.push(node); continue; }
      flush();
      const tag = tagOf(node);
      if (tag === "p" && !node.attributes.length && !inlineCanonical([...node.childNodes])) continue;
      // Which rows sit in <thead> or <tbody> does not change the table one reads.
      if ((tag === "thead" || tag === "tbody") && !node.attributes.length) { out += canonicalChildren(node); continue; }
      const a = attrs(node);
      out += `<${tag}${a ? " " + a : ""}>` + (VOID.has(tag) ? "" : `${canonicalChildren(node)}</${tag}>`);
    }
    flush();
    return out;
  }

  /** A string equal for two pieces of HTML exactly when a reader gets the same from both. */
  function canonical(html) {
    return canonicalChildren(parse(html));
  }

  /** What a reader gets, roughly, as counts: text and the elements that matter. A last check
   * that a whole body came through the editor whole. */
  function summary(html) {
    const body = parse(html);
    const counts = {};
    for (const tag of ["h1", "h2", "h3", "h4", "h5", "h6", "li", "a", "img", "table", "tr", "td", "th", "figure", "figcaption"]) {
      counts[tag] = body.querySelectorAll(tag).length;
    }
    counts.text = body.textContent.replace(/[\s\u00a0\ufeff]+/g, "");
    return JSON.stringify(counts);
  }

  // --- the visual editor's document as article HTML -----------------------------------------

  function attrList(el, names) {
    return names.map((name) => (el.hasAttribute(name) ? ` ${name}="${escapeAttr(el.getAttribute(name))}"` : "")).join("");
  }

  function inlineHTML(el) {
    let out = "";
    for (const node of el.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) { out += escapeText(node.data.replace(/\ufeff/g, "")); continue; }
      if (node.nodeType !== Node.ELEMENT_NODE || node.classList.contains("ql-ui")) continue;
      const tag = node.localName;
      if (tag === "br") continue; // only ever the placeholder of an empty line
      if (tag === "img") { out += `<img${attrList(node, ["src", "alt", "width", "height"])}>`; continue; }
      const inner = inlineHTML(node);
      if (tag === "a") out += `<a${attrList(node, ["href"])}>${inner}</a>`;
      else if (INLINE_OUT.has(tag)) out += inner ? `<${tag}>${inner}</${tag}>` : "";
      else out += inner; // the editor's cursor and other wrappers: their text only
    }
    return out;
  }

  const empty = (inner) => !inner.includes("<img") && blank(inner.replace(/<[^>]*>/g, "").replace(/&nbsp;/g, " "));

  // Nested lists from the editor's flat list items (each with a type and an indent level);
  // the same walk as Quill's own getSemanticHTML, without its &nbsp; for every space.
  function listHTML(items) {
    const open = []; // [{tag, indent}]
    let out = "";
    const tagFor = (type) => (type === "ordered" ? "ol" : "ul");
    for (const item of items) {
      const tag = tagFor(item.type);
      while (open.length && (open.at(-1).indent > item.indent || (open.at(-1).indent === item.indent && open.at(-1).tag !== tag))) {
        out += `</li></${open.pop().tag}>`;
      }
      if (open.length && open.at(-1).indent === item.indent) {
        out += `</li><li${item.id}>${item.html}`;
        continue;
      }
      let level = open.length ? open.at(-1).indent + 1 : 0;
      for (; level < item.indent; level += 1) { open.push({ tag, indent: level }); out += `<${tag}><li>`; }
      open.push({ tag, indent: item.indent });
      out += `<${tag}><li${item.id}>${item.html}`;
    }
    while (open.length) out += `</li></${open.pop().tag}>`;
    return out;
  }

  /** The editor's document (Quill's root element) as article HTML, one block per line.
   * `rawValue(el)` gives the kept HTML of a block the editor shows but does not edit. */
  function serialize(root, rawValue) {
    const parts = [], seen = new Set();
    // An id stays with its first block: pressing Enter in a heading copies its id to the line
    // it makes, and two elements must never share one.
    const idOf = (el) => {
      const id = (el.getAttribute("data-ed-id") || "").trim();
      if (!id || seen.has(id)) return "";
      seen.add(id);
      return ` id="${escapeAttr(id)}"`;
    };
    let quote = null;
    const flushQuote = () => { if (quote && quote.length) parts.push(`<blockquote>${quote.join("")}</blockquote>`); quote = null; };
    for (const el of root.children) {
      const tag = el.localName;
      if (tag === "blockquote") {
        const inner = inlineHTML(el);
        if (!empty(inner)) (quote ||= []).push(`<p${idOf(el)}>${inner}</p>`);
        continue;
      }
      flushQuote();
      const raw = rawValue(el);
      if (raw != null) { if (raw.trim()) parts.push(raw.trim()); continue; }
      if (tag === "ol" || tag === "ul") {
        const items = [...el.children].filter((li) => li.localName === "li").map((li) => {
          const level = [...li.classList].map((c) => /^ql-indent-(\d+)$/.exec(c)).find(Boolean);
          return { type: li.getAttribute("data-list") || (tag === "ol" ? "ordered" : "bullet"), indent: level ? Number(level[1]) : 0, html: inlineHTML(li), id: idOf(li) };
        }).filter((item) => !empty(item.html));
        if (items.length) parts.push(listHTML(items));
        continue;
      }
      if (tag === "table") {
        const rows = [...el.querySelectorAll("tr")].map((tr) => [...tr.children]);
        const cell = (td, header) => {
          const name = header || td.hasAttribute("data-ed-th") ? "th" : "td";
          return `<${name}${idOf(td)}>${inlineHTML(td)}</${name}>`;
        };
        // A first row with a header cell is the table's header row.
        const head = rows.length > 1 && rows[0].some((td) => td.hasAttribute("data-ed-th")) ? rows.shift() : null;
        const body = rows.map((cells) => `<tr>${cells.map((td) => cell(td, false)).join("")}</tr>`).join("");
        if (head || body) parts.push(`<table>${head ? `<thead><tr>${head.map((td) => cell(td, true)).join("")}</tr></thead>` : ""}${body ? `<tbody>${body}</tbody>` : ""}</table>`);
        continue;
      }
      if (el.classList.contains("ql-code-block-container")) {
        parts.push(`<pre>${[...el.children].map((line) => escapeText(line.textContent.replace(/\ufeff/g, ""))).join("\n")}</pre>`);
        continue;
      }
      const inner = inlineHTML(el);
      if (empty(inner)) continue;
      const block = /^(p|h[1-6])$/.test(tag) ? tag : "p";
      parts.push(`<${block}${idOf(el)}>${inner}</${block}>`);
    }
    flushQuote();
    return parts.join("\n");
  }

  // --- a block shown as it is ----------------------------------------------------------------

  const safeURL = (value) => /^(https?:|mailto:|tel:|\/(?!\/)|#)/i.test(value.trim());

  /** A copy of `html` to show inside the editor: only article tags and attributes, no
   * scripts or handlers, ids renamed so they never meet the page's own. */
  function displayCopy(html) {
    const body = parse(html);
    const clean = (parent) => {
      for (const node of [...parent.childNodes]) {
        if (node.nodeType === Node.TEXT_NODE) continue;
        if (node.nodeType !== Node.ELEMENT_NODE) { node.remove(); continue; }
        const tag = node.localName;
        if (DROP_WITH_CONTENT.has(tag)) { node.remove(); continue; }
        clean(node);
        if (!SHOW_TAGS.has(tag)) { node.replaceWith(...node.childNodes); continue; }
        for (const { name, value } of [...node.attributes]) {
          const keep = (SHOW_ATTRS.has(name) && (!["href", "src"].includes(name) || safeURL(value))) || /^data-igny8-[a-z-]+$/.test(name);
          if (name === "id") node.setAttribute("data-ed-id", value);
          if (!keep) node.removeAttribute(name);
        }
        if (tag === "a") node.setAttribute("tabindex", "-1");
      }
    };
    clean(body);
    const fragment = document.createDocumentFragment();
    fragment.append(...body.childNodes);
    return fragment;
  }

  /** What a kept block is, in a word, for its label. */
  function kindOf(html) {
    const el = parse(html).firstElementChild;
    const tag = el ? el.localName : "";
    if (tag === "figure") return el.querySelector("img") ? "Image with caption" : "Figure";
    return { table: "Table", pre: "Code", hr: "Divider", dl: "Definition list", details: "Details", ul: "List", ol: "List", blockquote: "Quote" }[tag]
      || (/^h[1-6]$/.test(tag) ? "Heading" : tag === "p" ? "Paragraph" : "Block");
  }

  window.IGNY8Html = { blocks, canonical, summary, serialize, displayCopy, kindOf, parse };
})();
