"""The page's CSS and its one script (scrolling a new answer into view). No gradio here.

Light and dark: colours come from the theme's variables, or have a `.dark` rule beside them.
Phone (<= 640 px): a one-line banner, a chat that leaves the input on the first screen, wide
tables scrolling inside their own box, and the vertical lifecycle picture.
"""

CSS = """
#banner-box { padding: 0 !important; }
#tutor-banner { padding: 6px 12px; border-radius: 8px; font-size: 0.95em;
  border: 1px solid var(--border-color-primary); }
#tutor-banner.offline { border-left: 5px solid #d97706; }
#tutor-banner.model { border-left: 5px solid #16a34a; }
#tutor-banner p { margin: 0; display: inline; }
#tutor-banner details { display: inline; margin-left: 6px; }
#tutor-banner details[open] { display: block; margin: 6px 0 0 0; }
#tutor-banner summary { display: inline; cursor: pointer; color: var(--link-text-color);
  text-decoration: underline; }
#tutor-banner details div { margin-top: 4px; font-size: 0.95em; }
#tutor-banner code { font-size: 0.9em; }
.tutor-icon { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 50%;
  margin-right: 6px; vertical-align: baseline; }
.offline .tutor-icon { background: #d97706; }
.model .tutor-icon { background: #16a34a; }

.tutor-steps ol { list-style: none; padding: 0; margin: 0; }
.tutor-steps li { display: flex; gap: 10px; padding: 8px 10px; margin: 6px 0; border-radius: 8px;
  border: 1px solid var(--border-color-primary); }
.tutor-steps li .mark { flex: 0 0 1.6em; height: 1.6em; border-radius: 50%; display: flex;
  align-items: center; justify-content: center; font-weight: 700;
  background: var(--neutral-200); color: #0f172a; }
.dark .tutor-steps li .mark { background: var(--neutral-700); color: #f8fafc; }
.tutor-steps li.done .mark { background: #16a34a; color: #fff; }
.tutor-steps li.current { border: 2px solid var(--color-accent);
  background: var(--color-accent-soft); }
.tutor-steps li.current .mark { background: var(--color-accent); color: #fff; }
.tutor-steps li.done { opacity: 0.85; }
.tutor-steps .prompt { font-size: 0.85em; opacity: 0.85; margin-top: 2px; }
.tutor-steps .steps-head { margin: 0 0 4px 0; }
.tutor-steps .steps-end { margin: 8px 0 0 0; padding: 8px 10px; border-radius: 8px;
  background: #dcfce7; color: #14532d; font-weight: 600; }
.dark .tutor-steps .steps-end { background: #14532d; color: #dcfce7; }
.tutor-progress p { margin: 4px 0; }
.tutor-progress .muted { opacity: 0.7; font-size: 0.9em; }

/* The chat: one reset (the Reset button), so Gradio's trash icon is hidden. */
#tutor-chat button[aria-label="Clear"], #tutor-chat button[title="Clear"] { display: none; }
/* Tables fit their box: cells wrap (long names break) instead of columns being cut off. */
#tutor-chat table, #team-result table { font-size: 0.9em; display: table; width: 100%;
  max-width: 100%; table-layout: auto; }
#tutor-chat th, #tutor-chat td, #team-result th, #team-result td {
  white-space: normal; overflow-wrap: anywhere; word-break: normal; padding: 6px 8px; }
/* A header breaks between words only ("Responsibility", not "Responsi-bility"); cells may
   break inside a word so the table fits a phone. */
#tutor-chat th, #team-result th { overflow-wrap: normal; }
#tutor-chat pre { max-width: 100%; overflow-x: auto; }
#tutor-chat .message-content, #tutor-chat .message { max-width: 100%; min-width: 0; }
#tutor-chat .thought-group, #tutor-chat .thought-group .md,
#tutor-chat .thought-group p, #tutor-chat .thought-group code {
  font-size: 15px !important; }
.tutor-reading { font-style: italic; opacity: 0.8; }
.queued-note { display: block; margin-top: 4px; font-size: 0.85em; font-style: italic;
  opacity: 0.8; }
.tutor-note { padding: 6px 10px; border-radius: 6px; border-left: 4px solid #d97706;
  background: #fef3c7; color: #78350f; }
.dark .tutor-note { background: #451a03; color: #fde68a; }
.tutor-note.note-stopped { border-left-color: #64748b; background: #f1f5f9; color: #1e293b; }
.dark .tutor-note.note-stopped { background: #1e293b; color: #e2e8f0; }

#chat-actions { gap: 8px; flex-wrap: wrap; }
#chat-actions button { flex: 1 1 auto; }
#chat-more { justify-content: flex-end; gap: 8px; margin-top: 4px; }
#chat-more button { flex: 0 0 auto; min-width: 0; }
#reset-btn { color: #b91c1c !important; border: 1px solid #fca5a5 !important;
  background: transparent !important; }
.dark #reset-btn { color: #fca5a5 !important; border-color: #7f1d1d !important; }
#reset-confirm { border: 2px solid #dc2626; border-radius: 8px; padding: 8px; }
#reset-confirm p { margin: 0 0 6px 0; }
#retry-btn { max-width: 260px; }

.try-prompt { text-align: left !important; justify-content: flex-start !important;
  white-space: normal !important; }
#demo-svg .handoff-svg, #team-svg .handoff-svg { overflow-x: auto; max-width: 100%; }
.handoff-svg .tall { display: none; }
/* The picture in the dark: its own panel and boxes take dark colours (CSS beats the SVG's
   presentation attributes); the arrows keep their kind colours. */
.dark .handoff-svg .panel { fill: #0f172a; stroke: #334155; }
.dark .handoff-svg .box { fill: #1e293b; stroke: #818cf8; }
.dark .handoff-svg .ink { fill: #f1f5f9; }
.dark .handoff-svg .muted { fill: #cbd5e1; }
.dark .handoff-svg .divider { stroke: #818cf8; }

/* Questions the tutor offers (chat options): under its reply, on its side, as buttons. */
#tutor-chat .options { margin-left: 0; justify-content: start; padding: 4px 0 8px 20px;
  gap: 8px; grid-template-columns: repeat(auto-fit, minmax(180px, 240px)); }
#tutor-chat .options .option { border: 1px solid var(--color-accent); border-radius: 8px;
  background: var(--background-fill-primary); color: var(--body-text-color); max-width: none;
  align-items: flex-start; text-align: left; padding: 8px 12px; }
#tutor-chat .options .option:hover { background: var(--color-accent-soft); }

#tutor-banner .short { display: none; }
@media (max-width: 640px) {
  #tutor-chat .options { grid-template-columns: 1fr; padding-left: 0; }
  #tutor-chat .message-row { max-width: calc(100% - 8px) !important; margin-left: 0 !important;
    margin-right: 0 !important; }
  #tutor-chat .message-row.user-row { margin-left: auto !important; }
  #banner-box .html-container { padding: 0 !important; }
  #tutor-banner { font-size: 0.85em; padding: 4px 8px; }
  #tutor-banner .long { display: none; }
  #tutor-banner .short { display: inline; }
  #tutor-chat { height: calc(100dvh - 330px) !important; min-height: 260px; }
  #tutor-chat .bubble-wrap { height: 100% !important; }
  .handoff-svg .wide { display: none; }
  .handoff-svg .tall { display: block; }
  #chat-actions button { padding: 6px 8px; }
  #tutor-chat table, #team-result table { font-size: 0.78em; }
  #tutor-chat th, #tutor-chat td, #team-result th, #team-result td { padding: 3px 4px; }
}
"""

# The planner's People table: typing on a selected cell starts editing it with every key
# typed (Gradio's table swallows the first one: "Sofía" became "ofía"), replacing the cell's
# text as a spreadsheet does. Keys typed before the cell's editor opens are kept in order.
TABLE_TYPING_JS = """
(() => {
  let pending = null;
  const editor = (cell) => cell.querySelector('textarea, input');
  // The cell is found again by its place each time: the table may re-render under it.
  const cellAt = (p) => document.querySelector(
    `#team-table [role="gridcell"][data-row="${p.row}"][data-col="${p.col}"]`);
  const ask = (cell) => cell.dispatchEvent(new MouseEvent('dblclick', {bubbles: true}));
  const open = () => {
    if (!pending) return;
    const cell = cellAt(pending);
    const box = cell && editor(cell);
    if (!box) {
      // A busy page can swallow the first double-click (the table was re-rendering): ask
      // again every quarter second, and let go after about four seconds, or every later
      // keystroke would be held for a cell that never opens.
      if (++pending.tries >= 240) { pending = null; return; }
      if (cell && pending.tries % 15 === 0) ask(cell);
      setTimeout(open, pending.tries < 5 ? 0 : 16);
      return;
    }
    box.value = pending.text;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
    const enter = pending.enter;
    pending = null;
    if (enter) box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
  };
  // The selected cell, when a re-render left the focus nowhere (on the page's body).
  const selected = () => {
    const cell = document.querySelector('#team-table [role="gridcell"][aria-selected="true"]');
    return cell && cell.offsetParent !== null ? cell : null;
  };
  document.addEventListener('keydown', (event) => {
    const cell = (event.target.closest && event.target.closest('#team-table [role="gridcell"]'))
      || (event.target === document.body ? selected() : null);
    if (!cell || editor(cell) && !pending) return;
    const place = {row: cell.dataset.row, col: cell.dataset.col};
    const same = pending && pending.row === place.row && pending.col === place.col;
    if (event.key === 'Enter' && pending) {  // typed ahead of the editor: Enter waits too
      pending.enter = true;
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (same) { pending.text += event.key; return; }
    pending = {...place, text: event.key, tries: 0};
    ask(cell);
    queueMicrotask(open);
  }, true);
})();
"""

# A tool step's title in the chat is itself the button that folds it (role=button, named by
# its text); Gradio nests an unnamed arrow button inside it, which a screen reader announces
# as "button" and Tab stops on twice. The arrow is decoration: hidden from both.
THOUGHT_ARROW_JS = """
(() => {
  const arrows = '.thought-group .title button:not([aria-hidden])';
  const quiet = () => {
    for (const arrow of document.querySelectorAll(arrows)) {
      arrow.setAttribute('aria-hidden', 'true');
      arrow.setAttribute('tabindex', '-1');
    }
  };
  new MutationObserver(quiet).observe(document.documentElement, {childList: true, subtree: true});
})();
"""

# While the model reads a message (the `.tutor-reading` bubble, tutor.web.view.READING), the
# seconds count beside it, from when the page first showed it for this learner message (keyed
# by the number of sent messages, so the page's re-renders do not restart the count).
READING_JS = """
(() => {
  const since = new Map();
  setInterval(() => {
    const chat = document.querySelector('#tutor-chat');
    const bubbles = chat ? chat.querySelectorAll('.tutor-reading') : [];
    if (!bubbles.length) return;
    const turn = [...chat.querySelectorAll('[data-testid="user"]')]
      .filter((el) => !el.querySelector('.queued-note')).length;
    if (!since.has(turn)) since.set(turn, Date.now());
    const seconds = Math.floor((Date.now() - since.get(turn)) / 1000);
    for (const el of bubbles) {
      let clock = el.querySelector('.tutor-reading-s');
      if (!clock) {
        clock = document.createElement('span');
        clock.className = 'tutor-reading-s';
        el.appendChild(clock);
      }
      clock.textContent = ` ${seconds} s`;
    }
  }, 500);
})();
"""

# Gradio scopes `css` to the app's content; the page's own padding sits outside it, so this
# rule goes in the page head instead (a phone needs every pixel of its width).
HEAD = """<style>
@media (max-width: 640px) { .gradio-container .main.fillable { padding: 6px !important; } }
</style>""" + "".join(
    f"<script>{js}</script>" for js in (TABLE_TYPING_JS, THOUGHT_ARROW_JS, READING_JS)
)

# Runs once when the page loads. A new learner message (not one still waiting in the queue)
# is brought to the top of the chat and held there while its answer grows below it, so the
# learner reads the answer from its start; Gradio's own autoscroll (to the bottom) is off.
# Scrolling by hand lets go.
JS = """
() => {
  let shown = -1, pin = null;
  const users = (chat) => [...chat.querySelectorAll('[data-testid="user"]')]
    .filter((el) => !el.querySelector('.queued-note'));
  const scroller = (el) => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      const style = getComputedStyle(box).overflowY;
      if (style === 'auto' || style === 'scroll') return box;
    }
    return null;
  };
  const place = (chat) => {
    const el = pin && users(chat)[pin.index];
    if (!el) { pin = null; return; }
    const row = el.closest('.message-row') || el;
    const want = pin.box.scrollTop + row.getBoundingClientRect().top
      - pin.box.getBoundingClientRect().top - 8;
    pin.box.scrollTop = want;
    if (Math.abs(pin.box.scrollTop - want) < 2) pin = null;  // there: the learner takes over
  };
  const tick = () => {
    const chat = document.querySelector('#tutor-chat');
    if (!chat) return;
    const list = users(chat);
    if (list.length !== shown) {
      const grew = list.length > shown;
      shown = list.length;
      const box = grew && list.length ? scroller(list[list.length - 1]) : null;
      if (box) pin = {box, index: list.length - 1};
    }
    if (pin) place(chat);
  };
  new MutationObserver(tick).observe(document.body,
    {childList: true, subtree: true, characterData: true});
  for (const kind of ['wheel', 'touchmove']) {
    document.addEventListener(kind, () => { pin = null; }, {passive: true});
  }
}
"""
