// Writer → the content editor's visual mode (Quill 2, vendored). The body's <textarea> stays the
// form field: the visual editor writes its HTML into it after every change (and tells the page,
// which autosaves and previews as for typing), and reads it when switching back from the HTML
// source. Without JavaScript, or when Quill cannot start, the textarea works as it always did.
//
// Nothing may be lost by opening an article here. Each top-level block of the body is loaded into
// the editor and written back; a block that does not come back the same (a figure, a table with
// merged cells, a definition list, …) is kept exactly as written instead: shown, removable, and
// edited as HTML. Merely opening an article, or switching modes, never writes to the textarea.
(() => {
  const shell = document.querySelector("[data-visual]");
  const textarea = document.getElementById("id_html");
  const H = window.IGNY8Html;
  if (!shell || !textarea || !window.Quill || !H) return;
  const Quill = window.Quill;
  const Delta = Quill.import("delta");
  const Parchment = Quill.import("parchment");
  const BlockEmbed = Quill.import("blots/block/embed");
  const Link = Quill.import("formats/link");
  const RAW = "raw-html";
  const ID = "data-ed-id";
  const TH = "data-ed-th";
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  const note = shell.querySelector("[data-visual-note]");
  const modeButtons = document.querySelectorAll("[data-editor-mode]");

  // --- formats --------------------------------------------------------------------------------

  // Links keep only their address (the server adds rel on save); no target is invented.
  class ArticleLink extends Link {
    static create(value) {
      const node = super.create(value);
      node.removeAttribute("target");
      return node;
    }
  }
  // A block's id (a heading's anchor, `id="igny8-faq"`). Kept as data-ed-id inside the editor,
  // so an article's ids never meet the page's own (#ed-preview, …).
  const BlockId = new Parchment.Attributor(ID, ID, { scope: Parchment.Scope.BLOCK });
  // Quill's tables have only <td>; a header cell is a <td> marked as one, written out as <th>.
  const HeaderCell = new Parchment.Attributor(TH, TH, { scope: Parchment.Scope.BLOCK });

  // A block kept exactly as written: its HTML is the value; what is shown is a cleaned copy.
  const rawValues = new WeakMap();
  class RawBlock extends BlockEmbed {
    static blotName = RAW;
    static tagName = "DIV";
    static className = "ed-raw";
    static create(value) {
      const node = super.create(value);
      node.setAttribute("contenteditable", "false");
      rawValues.set(node, value);
      const bar = document.createElement("div");
      bar.className = "ed-raw-bar";
      const what = document.createElement("span");
      what.textContent = `${H.kindOf(value)} · kept as written`;
      bar.append(what, button("Edit HTML", "edit"), button("Remove", "remove"));
      const body = document.createElement("div");
      body.className = "ed-raw-body";
      body.append(H.displayCopy(value));
      node.append(bar, body);
      return node;
    }
    static value(node) {
      return rawValues.has(node) ? rawValues.get(node) : null;
    }
    html() {
      return RawBlock.value(this.domNode) || "";
    }
  }
  function button(text, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-secondary btn-sm";
    b.dataset.rawAction = action;
    b.textContent = text;
    return b;
  }
  Quill.register({ "formats/link": ArticleLink, [`formats/${RAW}`]: RawBlock }, true);
  Quill.register(BlockId, true);
  Quill.register(HeaderCell, true);

  // Pasted (or loaded) markup the editor has no format for stays one kept block.
  const keep = (node) => new Delta().insert({ [RAW]: unmarked(node) });
  const simpleTable = (table) =>
    !table.querySelector("tfoot, caption, table table, [colspan], [rowspan]") &&
    [...table.querySelectorAll("td")].every((td) => !td.querySelector("p, div, ul, ol, blockquote, h1, h2, h3, h4, h5, h6, pre, figure, br"));
  const rename = (el, tag) => {
    const copy = el.ownerDocument.createElement(tag);
    for (const { name, value } of el.attributes) copy.setAttribute(name, value);
    copy.append(...el.childNodes);
    el.replaceWith(copy);
    return copy;
  };
  // Header cells arrive as marked <td>s (see normalizeHTML below); a kept block shows them as <th>.
  function unmarked(node) {
    const copy = node.cloneNode(true);
    const wrap = document.createElement("div");
    wrap.append(copy);
    wrap.querySelectorAll(`td[${TH}]`).forEach((td) => rename(td, "th").removeAttribute(TH));
    return wrap.innerHTML;
  }
  function linesWith(delta, name, value) {
    const out = new Delta();
    delta.ops.forEach((op) => {
      if (typeof op.insert !== "string") { out.push(op); return; }
      op.insert.split(/(\n)/).forEach((part) => {
        if (part) out.insert(part, part === "\n" ? { ...op.attributes, [name]: value } : op.attributes);
      });
    });
    return out;
  }
  const matchers = [
    ...["figure", "hr", "dl", "details", "pre", "section"].map((tag) => [tag, keep]),
    ["table", (node, delta) => (simpleTable(node) ? delta : keep(node))],
    [Node.ELEMENT_NODE, (node, delta) => (node.id && !node.matches("table, figure") && !rawOnly(delta) ? linesWith(delta, ID, node.id) : delta)],
  ];
  // Backspace at the start of the line after a kept block (or Delete at the end of the line
  // before one) does not swallow the block: "Remove" on its label does that, on purpose.
  const isKept = (blot) => Boolean(blot && blot.statics.blotName === RAW);
  const guardKept = {
    "keep before": {
      key: "Backspace", collapsed: true, offset: 0,
      handler(range) { return range.index === 0 || !isKept(this.quill.getLine(range.index - 1)[0]); },
    },
    "keep after": {
      key: "Delete", collapsed: true, suffix: /^$/,
      handler(range) { return !isKept(this.quill.getLine(range.index + 1)[0]); },
    },
  };
  const rawOnly = (delta) => delta.ops.length === 1 && delta.ops[0].insert && delta.ops[0].insert[RAW] != null;

  // --- the editor -----------------------------------------------------------------------------

  const mount = shell.querySelector("[data-visual-editor]");
  const toolbar = shell.querySelector("[data-visual-toolbar]");
  const formats = ["header", "bold", "italic", "underline", "strike", "link", "list", "indent", "blockquote", "code", "script", "image", "table", RAW, ID, TH];
  const options = (container, withToolbar) => ({
    ...(withToolbar ? { theme: "snow" } : {}),
    formats,
    placeholder: withToolbar ? "Write the article…" : "",
    modules: {
      table: true,
      clipboard: { matchers },
      toolbar: withToolbar ? { container: toolbar, handlers: { image: openImageDialog, table: () => table().insertTable(3, 3), ...tableHandlers() } } : false,
      uploader: false,
      // Tab leaves the editor (a tab character means nothing in an article); in a list it
      // still indents and in a table it still moves to the next cell.
      keyboard: { bindings: { tab: { key: "Tab", handler: () => true }, ...guardKept } },
      ...(withToolbar ? {} : { history: false }),
    },
  });
  let quill, scratch;
  try {
    quill = new Quill(mount, options(mount, true));
    // A second editor, never in the page, on which each block is tried before it is trusted
    // to the first.
    const detached = document.createElement("div");
    scratch = new Quill(detached, options(detached, false));
    scratch.disable();
  } catch (error) {
    console.warn("The visual editor could not start; the HTML field stays.", error);
    return;
  }
  const table = () => quill.getModule("table");
  const normalize = quill.clipboard.normalizeHTML.bind(quill.clipboard);
  quill.clipboard.normalizeHTML = (doc) => {
    normalize(doc);
    // Line breaks between a table's rows would otherwise land in the next cell as a space.
    doc.querySelectorAll("table, thead, tbody, tfoot, tr").forEach((part) => {
      [...part.childNodes].forEach((n) => { if (n.nodeType === Node.TEXT_NODE && !n.data.trim()) n.remove(); });
    });
    doc.querySelectorAll("th").forEach((th) => rename(th, "td").setAttribute(TH, "true"));
  };
  // Quill copies the select's aria-label onto the picker's wrapper (a plain span, where it means
  // nothing) and leaves the picker's button and its options unnamed: name them instead.
  toolbar.querySelectorAll(".ql-picker").forEach((picker) => {
    const name = picker.getAttribute("aria-label") || "Text style";
    picker.removeAttribute("aria-label");
    picker.querySelector(".ql-picker-label")?.setAttribute("aria-label", name);
    if (!picker.classList.contains("ql-header")) return;
    picker.querySelectorAll(".ql-picker-item").forEach((item) => {
      item.setAttribute("aria-label", item.dataset.value ? `Heading ${item.dataset.value}` : "Normal text");
    });
  });
  quill.root.setAttribute("aria-label", "Article body");
  quill.root.setAttribute("aria-multiline", "true");
  quill.root.setAttribute("role", "textbox");
  if (quill.theme.tooltip && quill.theme.tooltip.textbox) quill.theme.tooltip.textbox.dataset.link = "https://…";

  const rawOf = (el) => (el.classList && el.classList.contains("ed-raw") ? RawBlock.value(el) : null);
  const currentHTML = (editor = quill) => H.serialize(editor.root, rawOf);

  /** The Delta for a piece of article HTML: every block that comes back the same is editable;
   * every other is kept as written. */
  function deltaFor(html) {
    let doc = new Delta(), previous = "";
    for (const block of H.blocks(html)) {
      let delta = quill.clipboard.convert({ html: block });
      const last = delta.ops.at(-1);
      if (last && !(typeof last.insert === "string" && last.insert.endsWith("\n")) && !(last.insert && last.insert[RAW] != null)) {
        delta = delta.insert("\n");
      }
      scratch.setContents(delta, "silent");
      const kept = H.canonical(currentHTML(scratch)) !== H.canonical(block);
      if (kept) delta = new Delta().insert({ [RAW]: block });
      // Two tables (lists, quotes) in a row would become one in the editor: an empty line
      // between them keeps them apart (and is not written out).
      const kind = kept ? "" : (/^<(table|ul|ol|blockquote)\b/i.exec(block) || ["", ""])[1].toLowerCase().replace("ol", "ul");
      if (kind && kind === previous) doc = doc.insert("\n");
      previous = kind;
      doc = doc.concat(delta);
    }
    return doc;
  }

  let mode = "source";
  function load(html) {
    quill.setContents(deltaFor(html), "silent");
    quill.history.clear();
    edited = false;
    keptHelp.hidden = !quill.root.querySelector(".ed-raw");
    // The last word: the document must read as the body did; if not, stay on the source.
    return H.summary(currentHTML()) === H.summary(html) || !H.blocks(html).length;
  }

  // --- keeping the textarea current -----------------------------------------------------------

  // Only a change made in the editor is written back: switching modes, or opening an article,
  // leaves the textarea exactly as it was.
  let pending = null, edited = false;
  function sync() {
    clearTimeout(pending);
    pending = null;
    if (mode !== "visual" || !edited) return;
    edited = false;
    const html = currentHTML();
    if (html === textarea.value) return;
    textarea.value = html;
    // The page autosaves and previews on the textarea's input, as for typing in it.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }
  const keptHelp = shell.querySelector("[data-kept-help]");
  quill.on("text-change", () => { keptHelp.hidden = !quill.root.querySelector(".ed-raw"); });
  quill.on("text-change", (_delta, _old, source) => {
    if (source === "silent" || mode !== "visual") return;
    edited = true;
    clearTimeout(pending);
    pending = setTimeout(sync, 150);
  });
  // The editor's own input events (its editable area, the link box, pickers) are not the form's.
  ["input", "change"].forEach((name) => shell.addEventListener(name, (e) => e.stopPropagation()));
  if (textarea.form) textarea.form.addEventListener("submit", sync, true);
  document.body.addEventListener("htmx:confirm", (e) => { if (e.detail.elt === textarea.form) sync(); });

  // --- modes ----------------------------------------------------------------------------------

  function show(next, message = "") {
    mode = next;
    const visual = next === "visual";
    shell.querySelector("[data-visual-frame]").hidden = !visual;
    textarea.hidden = visual;
    modeButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.editorMode === next)));
    if (label) label.textContent = visual ? "Body" : "Body (HTML)";
    note.textContent = message;
    note.hidden = !message;
  }
  function toVisual() {
    if (!load(textarea.value)) {
      show("source", "This article has markup the visual editor cannot keep, so it stays in HTML source. Nothing was changed.");
      return;
    }
    show("visual");
  }
  function toSource() {
    sync();
    show("source");
  }
  if (label) label.addEventListener("click", (e) => { if (mode === "visual") { e.preventDefault(); quill.focus(); } });
  modeButtons.forEach((b) => b.addEventListener("click", () => {
    if (b.dataset.editorMode === mode) return;
    if (b.dataset.editorMode === "visual") { toVisual(); if (mode === "visual") quill.focus(); } else { toSource(); textarea.focus(); }
  }));

  // --- tables ---------------------------------------------------------------------------------

  function tableHandlers() {
    const act = (name) => function () { table()[name](); };
    return {
      "row-above": act("insertRowAbove"),
      "row-below": act("insertRowBelow"),
      "column-left": act("insertColumnLeft"),
      "column-right": act("insertColumnRight"),
      "delete-row": act("deleteRow"),
      "delete-column": act("deleteColumn"),
      "delete-table": act("deleteTable"),
      // The row with the cursor becomes a header row (<th> cells), or a plain row again.
      "header-row": function () {
        const [, row] = table().getTable();
        if (!row) return;
        const on = !row.children.head.domNode.hasAttribute(TH);
        row.children.forEach((cell) => quill.formatLine(quill.getIndex(cell), 1, TH, on ? "true" : false, "user"));
      },
    };
  }
  const tableTools = toolbar.querySelector("[data-table-tools]");
  quill.on("editor-change", () => {
    const range = quill.getSelection();
    tableTools.hidden = !(range && table().getTable(range)[2]);
  });

  // --- kept blocks: edit as HTML, remove -------------------------------------------------------

  const blotOf = (node) => Quill.find(node.closest(".ed-raw"));
  quill.root.addEventListener("mousedown", (e) => { if (e.target.closest(".ed-raw [data-raw-action]")) e.preventDefault(); });
  quill.root.addEventListener("click", (e) => {
    const inside = e.target.closest(".ed-raw");
    if (!inside) return;
    if (e.target.closest("a")) e.preventDefault(); // a link inside a kept block must not leave the page
    const action = e.target.closest("[data-raw-action]");
    if (!action) return;
    const blot = blotOf(action);
    const index = quill.getIndex(blot);
    if (action.dataset.rawAction === "remove") {
      quill.updateContents(new Delta().retain(index).delete(1), "user");
      quill.setSelection(index, 0, "silent");
      return;
    }
    editBlock(index, RawBlock.value(blot.domNode));
  });

  // --- dialogs --------------------------------------------------------------------------------

  function dialog(title, fields, submitText) {
    const d = document.createElement("dialog");
    d.className = "ed-dialog";
    const h = document.createElement("h2");
    h.textContent = title;
    h.id = `ed-dialog-${Math.random().toString(36).slice(2, 8)}`;
    d.setAttribute("aria-labelledby", h.id);
    d.append(h);
    const inputs = {};
    for (const [name, text, kind, help] of fields) {
      const wrap = document.createElement("div");
      wrap.className = "field";
      const l = document.createElement("label");
      const input = document.createElement(kind === "textarea" ? "textarea" : "input");
      if (kind !== "textarea") input.type = kind;
      else input.rows = 12;
      input.id = `${h.id}-${name}`;
      l.htmlFor = input.id;
      l.textContent = text;
      wrap.append(l, input);
      if (help) {
        const p = document.createElement("div");
        p.className = "help";
        p.textContent = help;
        wrap.append(p);
      }
      inputs[name] = input;
      d.append(wrap);
    }
    const error = document.createElement("p");
    error.className = "ed-dialog-error";
    error.setAttribute("role", "alert");
    error.hidden = true;
    const row = document.createElement("div");
    row.className = "row";
    const ok = document.createElement("button");
    ok.type = "button";
    ok.className = "btn";
    ok.textContent = submitText;
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn btn-secondary";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", () => d.close());
    row.append(ok, cancel);
    d.append(error, row);
    document.body.append(d);
    const fail = (text) => { error.textContent = text; error.hidden = !text; };
    return { d, inputs, ok, fail };
  }

  const imageBox = dialog("Insert an image", [
    ["src", "Image address", "url", "An address starting with https:// (or a path on this site, /…)."],
    ["alt", "Alt text", "text", "What the image shows, for readers who cannot see it."],
    ["caption", "Caption (optional)", "text", "With a caption, the image goes in as a figure."],
  ], "Insert image");
  let imageAt = 0;
  function openImageDialog() {
    const range = quill.getSelection(true);
    imageAt = range ? range.index : quill.getLength() - 1;
    Object.values(imageBox.inputs).forEach((input) => { input.value = ""; });
    imageBox.fail("");
    imageBox.d.showModal();
  }
  const escapeAttr = (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  const escapeText = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  imageBox.ok.addEventListener("click", () => {
    const src = imageBox.inputs.src.value.trim();
    const alt = imageBox.inputs.alt.value.trim();
    const caption = imageBox.inputs.caption.value.trim();
    if (!/^(https:\/\/[^\s]+|\/(?!\/)[^\s]*)$/i.test(src)) {
      imageBox.fail("Give the image's address starting with https:// (or a path on this site starting with /).");
      return;
    }
    imageBox.d.close();
    const at = new Delta().retain(imageAt);
    if (caption) {
      const figure = `<figure><img src="${escapeAttr(src)}" alt="${escapeAttr(alt)}"><figcaption>${escapeText(caption)}</figcaption></figure>`;
      const [line, offset] = quill.getLine(imageAt);
      // A figure is a block of its own: it goes after the line the cursor is in.
      const after = line ? imageAt - offset + line.length() : imageAt;
      quill.updateContents(new Delta().retain(after).insert({ [RAW]: figure }), "user");
      quill.setSelection(after + 1, 0, "silent");
    } else {
      quill.updateContents(at.insert({ image: src }, alt ? { alt } : {}), "user");
      quill.setSelection(imageAt + 1, 0, "silent");
    }
  });

  const blockBox = dialog("Edit this block as HTML", [["html", "HTML", "textarea", "Saved as you write it here (scripts and styles are removed on save)."]], "Apply");
  let blockAt = 0;
  function editBlock(index, html) {
    blockAt = index;
    blockBox.inputs.html.value = html;
    blockBox.fail("");
    blockBox.d.showModal();
  }
  blockBox.ok.addEventListener("click", () => {
    const replacement = deltaFor(blockBox.inputs.html.value);
    blockBox.d.close();
    quill.updateContents(new Delta().retain(blockAt).delete(1).concat(replacement), "user");
  });
  for (const box of [imageBox, blockBox]) {
    box.d.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.target.localName === "input") { e.preventDefault(); box.ok.click(); }
    });
  }

  // --- start ----------------------------------------------------------------------------------

  modeButtons.forEach((b) => { b.closest("[data-editor-modes]").hidden = false; });
  toVisual();
})();
