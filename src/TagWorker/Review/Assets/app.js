// TagWorker review site: selection helpers and keyboard shortcuts. Everything works without this script too.
(() => {
  const grid = document.querySelector('[data-selectable]');
  if (grid) {
    let last = null;
    grid.addEventListener('click', (e) => {
      const box = e.target.closest('input[type=checkbox]');
      if (!box) return;
      const boxes = [...grid.querySelectorAll('input[type=checkbox]')];
      if (e.shiftKey && last) {
        const [a, b] = [boxes.indexOf(last), boxes.indexOf(box)].sort((x, y) => x - y);
        boxes.slice(a, b + 1).forEach((c) => { c.checked = box.checked; });
      }
      last = box;
    });
    document.querySelectorAll('[data-select-unnamed]').forEach((button) => button.addEventListener('click', (e) => {
      e.preventDefault();
      grid.querySelectorAll('[data-unnamed=true] input[type=checkbox]').forEach((c) => { c.checked = true; });
      grid.dispatchEvent(new Event('change', { bubbles: true }));
    }));
    document.querySelectorAll('[data-select-all]').forEach((button) => button.addEventListener('click', (e) => {
      e.preventDefault();
      const boxes = [...grid.querySelectorAll('input[type=checkbox]')];
      const all = boxes.every((c) => c.checked);
      boxes.forEach((c) => { c.checked = !all; });
    }));
    // a: accept selected, x: reject selected, s: select all (not while typing).
    document.addEventListener('keydown', (e) => {
      if (e.target.matches('input[type=text], input[type=search], textarea, select') || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = { a: 'accept', x: 'reject', s: null }[e.key];
      if (e.key === 's') { document.querySelector('[data-select-all]')?.click(); return; }
      if (target) document.querySelector(`button[data-key="${target}"]`)?.click();
    });
  }
  // On the photo page a face's row and its box light up together, and the selected faces stay marked on the photo.
  const boxes = document.querySelector('.photo-view svg');
  if (boxes) {
    const box = (row) => row && boxes.querySelector(`rect[data-face="${row.dataset.face}"]`);
    const light = (e, on) => box(e.target.closest('tr[data-face]'))?.classList.toggle('lit', on);
    document.querySelectorAll('tr[data-face]').forEach((row) => {
      row.addEventListener('mouseenter', (e) => light(e, true));
      row.addEventListener('mouseleave', (e) => light(e, false));
      row.addEventListener('focusin', (e) => light(e, true));
      row.addEventListener('focusout', (e) => light(e, false));
    });
    const marked = () => document.querySelectorAll('tr[data-face]').forEach((row) => {
      box(row)?.classList.toggle('picked', !!row.querySelector('input[type=checkbox]:checked'));
    });
    document.addEventListener('change', marked);
    document.addEventListener('click', () => setTimeout(marked));
  }
  // The dashboard's activity line follows the worker (every 5 s while the page is visible).
  const activity = document.querySelector('[data-live=activity]');
  if (activity) {
    setInterval(async () => {
      if (document.hidden) return;
      try {
        const response = await fetch('/api/status', { credentials: 'same-origin' });
        if (response.ok) activity.textContent = (await response.json()).activity;
      } catch { /* offline for a moment: keep the last line */ }
    }, 5000);
  }
  // After an action the page reloads where the owner was: same scroll position, and on the groups page the
  // keyboard focus on the name field of the card that took the place of the one just named.
  const saved = JSON.parse(sessionStorage.getItem('tw-place') || 'null');
  sessionStorage.removeItem('tw-place');
  if (saved && saved.path === location.pathname && document.querySelector('.flash')) {
    window.scrollTo(0, saved.y);
    const card = saved.card >= 0 ? document.querySelectorAll('[data-group]')[saved.card] : null;
    card?.querySelector('input[name=name]')?.focus({ preventScroll: true });
  }
  document.addEventListener('submit', (e) => {
    if ((e.target.method || '').toLowerCase() !== 'post') return;
    const card = e.target.closest('[data-group]');
    const cardIndex = card ? [...document.querySelectorAll('[data-group]')].indexOf(card) : -1;
    sessionStorage.setItem('tw-place', JSON.stringify({ path: location.pathname, y: window.scrollY, card: cardIndex }));
  });
  // ← and → step through photos on the photo page (not while typing).
  document.addEventListener('keydown', (e) => {
    if (e.target.matches('input, textarea, select') || e.ctrlKey || e.metaKey || e.altKey) return;
    document.querySelector(`[data-key-nav="${e.key}"]`)?.click();
  });
  document.querySelectorAll('[data-confirm]').forEach((form) => form.addEventListener('submit', (e) => {
    if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
  }));
})();
