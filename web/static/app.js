/* app.js - progressive enhancement: the sample under the subscribe form
 * follows the keywords as they are typed, and a "more / less like this"
 * page records its vote once a reader has it in front of them.
 * Everything works without it (the "Preview the sample" button does the
 * same with a page load; the vote page has a button).  Served from
 * /static because the Content-Security-Policy allows no inline script. */
(function () {
  'use strict';
  /* The vote page's GET records nothing (link scanners fetch every link
   * in a mail).  A reader's browser posts the form by itself, but only
   * once the page has been shown for VOTE_SHOWN_MS without a break:
   * visible (document.visibilityState), with the focus
   * (document.hasFocus()), counted in animation frames, which browsers
   * do not draw for a page nobody sees.  A scanner that runs scripts in
   * a hidden or unfocused page, or closes it within that time, records
   * nothing; one that keeps a focused page open longer could, and the
   * reader can take the vote back on the preferences page. */
  var VOTE_SHOWN_MS = 1000;
  var vote = document.getElementById('vote');
  if (vote && vote.getAttribute('data-auto') === '1' &&
      window.requestAnimationFrame) {
    var since = -1;
    var tick = function (now) {
      if (document.visibilityState !== 'visible' || !document.hasFocus()) {
        since = -1;
      } else if (since < 0) {
        since = now;
      } else if (now - since >= VOTE_SHOWN_MS) {
        vote.submit();
        return;
      }
      window.requestAnimationFrame(tick);
    };
    window.requestAnimationFrame(tick);
  }
})();
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  /* preferences: a reader with no zone of their own (data-auto) gets the
   * browser's zone pre-selected, when the list offers it; saving stores
   * it.  Without script the server's default stays selected. */
  var zone = document.getElementById('timezone');
  if (zone && zone.tagName === 'SELECT' && zone.getAttribute('data-auto') === '1' &&
      window.Intl && Intl.DateTimeFormat) {
    var mine = '';
    try {
      mine = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch (e) { /* no zone: keep the default */ }
    for (var i = 0; mine && i < zone.options.length; i++) {
      if (zone.options[i].value === mine) {
        zone.selectedIndex = i;
        break;
      }
    }
  }

  var form = document.getElementById('subscribe');
  var sample = document.getElementById('sample');
  if (!form || !sample || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var prefix = (form.getAttribute('action') || '/subscribe').replace(/\/subscribe$/, '');
  var keywords = form.elements.namedItem('keywords');
  var list = form.elements.namedItem('list');
  var maxPapers = form.elements.namedItem('max_papers');
  var timer = null;
  var seq = 0;

  function update() {
    var params = new URLSearchParams();
    params.set('keywords', keywords ? keywords.value : '');
    if (list && list.value) {
      params.set('list', list.value);
    }
    if (maxPapers && /^[0-9]{1,2}$/.test(maxPapers.value)) {
      params.set('max_papers', maxPapers.value);
    }
    var mine = ++seq;
    sample.setAttribute('aria-busy', 'true');
    fetch(prefix + '/sample?' + params.toString(), { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        if (mine === seq) {
          sample.innerHTML = html; /* server-rendered, every value escaped */
        }
      })
      .catch(function () { /* keep the last sample */ })
      .then(function () {
        if (mine === seq) {
          sample.removeAttribute('aria-busy');
        }
      });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  }

  if (keywords) {
    keywords.addEventListener('input', later);
  }
  if (maxPapers) {
    maxPapers.addEventListener('input', later);
  }
  if (list && list.tagName === 'SELECT') {
    /* another list has other categories: reload the form for it */
    list.addEventListener('change', function () {
      var params = new URLSearchParams();
      params.set('list', list.value);
      if (keywords) {
        params.set('keywords', keywords.value);
      }
      var email = form.elements.namedItem('email');
      if (email && email.value) {
        params.set('email', email.value);
      }
      window.location.assign(prefix + '/?' + params.toString());
    });
  }
})();
