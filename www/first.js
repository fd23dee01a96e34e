// Runs before the first paint (a classic script in <head>, no WebAssembly): the built page holds
// the default view pre-rendered as HTML and SVG (src/bin/prerender.rs). A link that asks for
// anything but the default view (and its theme) must not show the default view's numbers: the
// pre-rendered parts are hidden (class not-default, www/style.css) until the page's wasm has
// computed the link, and the status says what is loading. The theme of the link applies at once.
(function () {
  'use strict';
  var root = document.documentElement;
  var query = new URLSearchParams(window.location.search);
  var theme = query.get('theme');
  if (theme === 'light' || theme === 'dark') root.classList.add('theme-' + theme);
  var other = false;
  query.forEach(function (_, key) { if (key !== 'theme') other = true; });
  // The pre-rendered charts follow the system's theme (<picture media>): another one waits too.
  var dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
  if ((theme === 'light' && dark) || (theme === 'dark' && !dark)) other = true;
  if (!other) return;
  root.classList.add('not-default');
  document.addEventListener('DOMContentLoaded', function () {
    var status = document.getElementById('status');
    if (status && status.hasAttribute('data-pre')) {
      status.textContent = 'Loading the WebAssembly module…';
      status.removeAttribute('data-pre');
    }
  });
})();
