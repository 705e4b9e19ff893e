/* The sandbox page: pick a person, chat with the real bot through the local Telegram.
   Plain JavaScript, no build step, nothing from the network but this sandbox's own API. */
(function () {
  'use strict';

  // The page's own few words; everything the bot says comes from the bot.
  var WORDS = {
    ru: {
      doc_title: 'QMS · песочница',
      title: 'Песочница',
      subtitle: 'Демо-лицей, без Telegram',
      who: 'Кто вы?',
      reset: 'Сбросить демо',
      reset_hint: 'Удалить данные песочницы и начать демо заново',
      reset_confirm: 'Сбросить демо? Все изменения в песочнице пропадут, чаты очистятся.',
      reset_running: 'Демо пересоздаётся…',
      reset_done: 'Демо сброшено: данные как в начале.',
      bot_name: 'СМК лицея',
      bot: 'бот',
      you: 'Вы: ',
      stranger: 'не зарегистрирован в боте',
      empty: 'Здесь пока пусто. Нажмите «Старт», чтобы начать разговор с ботом.',
      start: 'Старт',
      menu: 'Меню',
      attach: 'Прикрепить фото или файл',
      placeholder: 'Сообщение',
      send: 'Отправить',
      ok: 'OK',
      cancel: 'Отмена',
      today: 'Сегодня',
      download: 'Скачать',
      offline: 'Нет связи с песочницей — пробую снова…',
      failed: 'Не получилось: ',
      no_answer: 'Бот не ответил на нажатие.',
      short_manager: 'менеджер СМК',
      short_auditor: 'аудитор',
      short_head: 'руководитель',
      short_teacher: 'педагог',
      short_observer: 'директор',
      short_stranger: 'гость'
    },
    en: {
      doc_title: 'QMS · sandbox',
      title: 'Sandbox',
      subtitle: 'A demo lyceum, no Telegram needed',
      who: 'Who are you?',
      reset: 'Reset demo',
      reset_hint: 'Delete the sandbox data and start the demo again',
      reset_confirm: 'Reset the demo? Every change made in the sandbox is lost and the chats are cleared.',
      reset_running: 'Rebuilding the demo…',
      reset_done: 'The demo is reset: the data is as it was at the start.',
      bot_name: 'school QMS',
      bot: 'bot',
      you: 'You: ',
      stranger: 'not registered in the bot',
      empty: 'Nothing here yet. Press “Start” to begin talking to the bot.',
      start: 'Start',
      menu: 'Menu',
      attach: 'Attach a photo or a file',
      placeholder: 'Message',
      send: 'Send',
      ok: 'OK',
      cancel: 'Cancel',
      today: 'Today',
      download: 'Download',
      offline: 'No connection to the sandbox — retrying…',
      failed: 'Failed: ',
      no_answer: 'The bot did not answer the tap.',
      short_manager: 'quality manager',
      short_auditor: 'auditor',
      short_head: 'head',
      short_teacher: 'teacher',
      short_observer: 'director',
      short_stranger: 'guest'
    }
  };

  var $ = function (id) { return document.getElementById(id); };
  var box = $('messages');
  var input = $('composer-input');
  var state = {
    lang: 'ru',
    personas: [],
    current: null,
    revision: -1,
    controller: null,
    rendered: new Map(),
    commands: [],
    stick: true,
    failures: 0
  };

  function t(key) {
    var words = WORDS[state.lang] || WORDS.ru;
    return words[key] !== undefined ? words[key] : WORDS.ru[key] || key;
  }

  function applyLanguage() {
    document.documentElement.lang = state.lang;
    document.title = t('doc_title');
    document.querySelectorAll('[data-t]').forEach(function (el) {
      el.textContent = t(el.getAttribute('data-t'));
    });
    document.querySelectorAll('[data-t-title]').forEach(function (el) {
      el.title = t(el.getAttribute('data-t-title'));
      el.setAttribute('aria-label', el.title);
    });
    document.querySelectorAll('[data-t-placeholder]').forEach(function (el) {
      el.placeholder = t(el.getAttribute('data-t-placeholder'));
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function request(path, options) {
    return fetch(path, options).then(function (response) {
      return response.text().then(function (body) {
        var data = null;
        try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
        if (!response.ok) {
          var error = new Error((data && data.error) || body || response.statusText);
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  function post(path, body) {
    return request(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body || {})
    });
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // -- toasts and alerts ------------------------------------------------------------------
  var toastTimer = null;
  function toast(text) {
    var node = $('toast');
    node.textContent = text;
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { node.hidden = true; }, 2800);
  }

  function dialog(text, withCancel) {
    return new Promise(function (resolve) {
      var modal = $('modal');
      $('modal-text').textContent = text;
      $('modal-cancel').hidden = !withCancel;
      modal.hidden = false;
      $('modal-ok').focus();
      function done(result) {
        modal.hidden = true;
        $('modal-ok').onclick = null;
        $('modal-cancel').onclick = null;
        document.removeEventListener('keydown', onKey);
        resolve(result);
      }
      function onKey(event) {
        if (event.key === 'Escape') done(false);
      }
      $('modal-ok').onclick = function () { done(true); };
      $('modal-cancel').onclick = function () { done(false); };
      document.addEventListener('keydown', onKey);
    });
  }

  // -- who you are ------------------------------------------------------------------------
  function initials(persona) {
    var first = (persona.first_name || persona.name || '?').charAt(0);
    var last = (persona.last_name || '').charAt(0);
    return (first + last).toUpperCase();
  }

  function describe(persona) {
    if (!persona.registered) return t('stranger');
    var roles = persona.roles.join(', ');
    return persona.department ? roles + ' · ' + persona.department : roles;
  }

  // At phone width the chips show only a short role under the name (the full line of roles
  // and department is the wide layout's).
  function shortRole(persona) {
    if (!persona.registered) return t('short_stranger');
    return (persona.role_keys || []).map(function (key) { return t('short_' + key); }).join(', ');
  }

  function renderPersonas() {
    var list = $('persona-list');
    list.textContent = '';
    state.personas.forEach(function (persona, index) {
      var item = el('li');
      var button = el('button', 'persona');
      button.type = 'button';
      button.setAttribute('role', 'option');
      button.setAttribute('data-tg-id', String(persona.tg_id));
      button.setAttribute('data-key', persona.key);
      button.setAttribute('aria-selected', String(persona.tg_id === state.current));
      var avatar = el('span', 'avatar ' + (persona.registered ? 'c' + (index % 6 + 1) : 'stranger'),
        initials(persona));
      var text = el('span', 'who-text');
      var name = el('span', 'name', persona.name);
      if (persona.language !== 'ru') name.appendChild(el('span', 'lang', persona.language.toUpperCase()));
      var role = el('span', 'role', describe(persona));
      name.style.display = 'block';
      text.appendChild(name);
      text.appendChild(role);
      text.appendChild(el('span', 'role-short', shortRole(persona)));
      button.title = persona.name + ' — ' + describe(persona);
      button.appendChild(avatar);
      button.appendChild(text);
      button.addEventListener('click', function () { choose(persona.tg_id); });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  function personaById(tgId) {
    return state.personas.find(function (p) { return p.tg_id === tgId; }) || null;
  }

  function showMe() {
    var persona = personaById(state.current);
    $('me').textContent = persona ? t('you') + persona.name : '';
  }

  function loadPersonas() {
    return request('/api/personas').then(function (data) {
      state.personas = data.personas;
      renderPersonas();
    });
  }

  function choose(tgId) {
    var persona = personaById(tgId);
    if (!persona) return;
    if (state.controller) state.controller.abort();
    state.current = tgId;
    state.revision = -1;
    state.rendered.clear();
    state.stick = true;
    box.textContent = '';
    $('empty').hidden = true;
    closeCommands();
    state.lang = WORDS[persona.language] ? persona.language : 'ru';
    try { localStorage.setItem('sandbox.persona', String(tgId)); } catch (e) { /* private mode */ }
    if (location.hash !== '#' + tgId) history.replaceState(null, '', '#' + tgId);
    document.querySelectorAll('.persona').forEach(function (button) {
      button.setAttribute('aria-selected', String(button.getAttribute('data-tg-id') === String(tgId)));
    });
    applyLanguage();
    renderPersonas();
    showMe();
    var chosen = document.querySelector('.persona[aria-selected="true"]');
    if (chosen && chosen.scrollIntoView) chosen.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    poll(tgId);
  }

  // -- the chat ---------------------------------------------------------------------------
  function poll(tgId) {
    var controller = new AbortController();
    state.controller = controller;
    (async function () {
      while (state.current === tgId && !controller.signal.aborted) {
        try {
          var data = await request('/api/chat/' + tgId + '?after=' + state.revision,
            { signal: controller.signal, cache: 'no-store' });
          if (controller.signal.aborted || state.current !== tgId) return;
          state.failures = 0;
          $('banner').hidden = true;
          render(data);
        } catch (error) {
          if (controller.signal.aborted) return;
          state.failures += 1;
          if (state.failures > 1) {
            $('banner').textContent = t('offline');
            $('banner').hidden = false;
          }
          await sleep(Math.min(5000, 400 * state.failures));
        }
      }
    })();
  }

  function dayOf(seconds) {
    var date = new Date(seconds * 1000);
    return date.getFullYear() + '-' + date.getMonth() + '-' + date.getDate();
  }

  function dayLabel(seconds) {
    var date = new Date(seconds * 1000);
    if (dayOf(seconds) === dayOf(Date.now() / 1000)) return t('today');
    return date.toLocaleDateString(state.lang, { day: 'numeric', month: 'long' });
  }

  function timeLabel(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString(state.lang, { hour: '2-digit', minute: '2-digit' });
  }

  function scrollToBottom() {
    box.scrollTop = box.scrollHeight;
    state.stick = true;
  }

  function render(data) {
    state.revision = data.revision;
    if (data.language && data.language !== state.lang && WORDS[data.language]) {
      state.lang = data.language;
      applyLanguage();
      showMe();
    }
    state.commands = data.commands || [];
    $('menu').hidden = state.commands.length === 0;
    var first = state.rendered.size === 0;
    var stick = state.stick;
    var seen = new Set();
    var previous = null;
    var lastDay = null;
    var added = false;
    var addedOut = false;
    data.messages.forEach(function (message) {
      seen.add(message.id);
      var day = dayOf(message.date);
      var showDay = day !== lastDay;
      lastDay = day;
      var key = message.rev + ':' + showDay + ':' + state.lang;
      var entry = state.rendered.get(message.id);
      if (!entry || entry.key !== key) {
        var node = buildMessage(message, showDay);
        if (entry) {
          entry.node.replaceWith(node);
        } else {
          added = true;
          if (message.out) addedOut = true;
        }
        entry = { node: node, key: key };
        state.rendered.set(message.id, entry);
      }
      var wanted = previous ? previous.nextSibling : box.firstChild;
      if (entry.node !== wanted) box.insertBefore(entry.node, wanted);
      previous = entry.node;
    });
    state.rendered.forEach(function (entry, id) {
      if (!seen.has(id)) {
        entry.node.remove();
        state.rendered.delete(id);
      }
    });
    $('empty').hidden = data.messages.length > 0;
    if (first || addedOut || (added && stick)) scrollToBottom();
  }

  function buildMessage(message, showDay) {
    var wrap = el('div', 'msg ' + (message.out ? 'out' : 'in'));
    wrap.setAttribute('data-id', String(message.id));
    if (showDay) wrap.appendChild(el('div', 'day', dayLabel(message.date)));
    var bubble = el('div', 'bubble');
    if (message.photo) {
      var img = el('img', 'photo');
      img.src = message.photo.url;
      img.alt = message.text || 'photo';
      img.loading = 'lazy';
      img.addEventListener('load', function () { if (state.stick) scrollToBottom(); });
      img.addEventListener('click', function () { window.open(message.photo.url, '_blank', 'noopener'); });
      bubble.appendChild(img);
      if (!message.text) bubble.classList.add('media-only');
    }
    if (message.document) {
      var link = el('a', 'file');
      link.href = message.document.url;
      link.setAttribute('download', message.document.name || '');
      link.title = t('download');
      link.appendChild(el('span', 'icon', '⬇'));
      var about = el('span', 'about');
      about.appendChild(el('div', 'fname', message.document.name || 'file'));
      if (message.document.size) about.appendChild(el('div', 'fsize', size(message.document.size)));
      link.appendChild(about);
      bubble.appendChild(link);
    }
    if (message.photo) {
      var save = el('a', 'download', t('download'));
      save.href = message.photo.url + '?download=1';
      save.setAttribute('download', '');
      if (message.text) bubble.appendChild(save);
    }
    if (message.text) {
      bubble.appendChild(message.html ? richText(message.html) : plainText(message.text));
    }
    var meta = el('span', 'meta', timeLabel(message.date) + (message.out ? ' ✓✓' : ''));
    if (message.text) bubble.querySelector('.text').appendChild(meta);
    else bubble.appendChild(meta);
    wrap.appendChild(bubble);
    if (message.keyboard && message.keyboard.length) wrap.appendChild(keyboard(message));
    return wrap;
  }

  function size(bytes) {
    if (bytes < 1024) return bytes + ' B';
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' KB';
    return (bytes / 1024 / 1024).toFixed(1) + ' MB';
  }

  // Telegram's HTML, re-built from an allow-list: no attribute but a checked link's href
  // is ever copied, so nothing the bot sends can run or style itself on this page.
  var SAFE_TAGS = {
    b: 'b', strong: 'b', i: 'i', em: 'i', u: 'u', ins: 'u', s: 's', strike: 's', del: 's',
    code: 'code', pre: 'pre', blockquote: 'blockquote'
  };

  function richText(html) {
    var parsed = new DOMParser().parseFromString('<!doctype html><body>' + html, 'text/html');
    var out = el('div', 'text');
    copySafe(parsed.body, out);
    return out;
  }

  function copySafe(from, to) {
    from.childNodes.forEach(function (node) {
      if (node.nodeType === Node.TEXT_NODE) {
        appendText(to, node.nodeValue);
        return;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) return;
      var tag = node.tagName.toLowerCase();
      var copy;
      if (SAFE_TAGS[tag]) {
        copy = document.createElement(SAFE_TAGS[tag]);
      } else if (tag === 'a') {
        var href = node.getAttribute('href') || '';
        if (/^(https?:|mailto:)/i.test(href)) {
          copy = document.createElement('a');
          copy.href = href;
          copy.target = '_blank';
          copy.rel = 'noopener noreferrer';
        } else {
          copy = document.createElement('span');
        }
      } else if (tag === 'tg-spoiler' || (tag === 'span' && node.classList.contains('tg-spoiler'))) {
        copy = el('span', 'spoiler');
        copy.addEventListener('click', function () { this.classList.add('shown'); });
      } else {
        copy = document.createElement('span');
      }
      copySafe(node, copy);
      to.appendChild(copy);
    });
  }

  function plainText(text) {
    var out = el('div', 'text');
    appendText(out, text);
    return out;
  }

  // /commands in a text can be tapped, as in Telegram.
  var COMMAND = /(^|[\s(«"'])(\/[a-zA-Z][a-zA-Z0-9_]{0,31})(?=$|[\s.,;:!?)»"'])/g;

  function appendText(to, text) {
    var last = 0;
    var match;
    COMMAND.lastIndex = 0;
    while ((match = COMMAND.exec(text)) !== null) {
      var start = match.index + match[1].length;
      if (start > last) to.appendChild(document.createTextNode(text.slice(last, start)));
      var command = match[2];
      var link = el('span', 'cmd', command);
      link.setAttribute('role', 'button');
      link.addEventListener('click', function (cmd) {
        return function () { sendText(cmd); };
      }(command));
      to.appendChild(link);
      last = start + command.length;
    }
    if (last < text.length) to.appendChild(document.createTextNode(text.slice(last)));
  }

  function keyboard(message) {
    var node = el('div', 'keyboard');
    message.keyboard.forEach(function (row) {
      var line = el('div', 'kb-row');
      row.forEach(function (button) {
        var key = el('button', 'kb-btn' + (button.url ? ' link' : ''), button.text);
        key.type = 'button';
        key.title = button.text;
        if (button.data !== undefined) key.setAttribute('data-callback', button.data);
        key.addEventListener('click', function () { press(key, message, button); });
        line.appendChild(key);
      });
      node.appendChild(line);
    });
    return node;
  }

  // -- acting -----------------------------------------------------------------------------
  function press(key, message, button) {
    if (button.url) {
      window.open(button.url, '_blank', 'noopener');
      return;
    }
    if (key.classList.contains('busy')) return;
    key.classList.add('busy');
    var tgId = state.current;
    post('/api/chat/' + tgId + '/press', { message_id: message.id, data: button.data })
      .then(function (result) {
        var answer = result && result.answer;
        if (answer && answer.text) {
          if (answer.show_alert) dialog(answer.text, false);
          else toast(answer.text);
        }
      })
      .catch(function (error) { toast(t('failed') + error.message); })
      .finally(function () { key.classList.remove('busy'); });
  }

  function sendText(text) {
    text = (text || '').trim();
    if (!text || state.current === null) return Promise.resolve();
    state.stick = true;
    return post('/api/chat/' + state.current + '/send', { text: text })
      .catch(function (error) { toast(t('failed') + error.message); });
  }

  function sendFile(file) {
    if (!file || state.current === null) return;
    var form = new FormData();
    form.append('file', file, file.name);
    var caption = input.value.trim();
    if (caption) form.append('caption', caption);
    input.value = '';
    autosize();
    state.stick = true;
    request('/api/chat/' + state.current + '/upload', { method: 'POST', body: form })
      .catch(function (error) { toast(t('failed') + error.message); });
  }

  function autosize() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 140) + 'px';
  }

  function openCommands() {
    var menu = $('commands');
    menu.textContent = '';
    state.commands.forEach(function (command) {
      var item = el('button', 'command');
      item.type = 'button';
      item.setAttribute('role', 'menuitem');
      item.appendChild(el('b', null, '/' + command.command));
      item.appendChild(el('span', null, command.description));
      item.addEventListener('click', function () {
        closeCommands();
        sendText('/' + command.command);
      });
      menu.appendChild(item);
    });
    menu.hidden = state.commands.length === 0;
  }

  function closeCommands() { $('commands').hidden = true; }

  async function resetDemo() {
    if (!(await dialog(t('reset_confirm'), true))) return;
    var button = $('reset');
    button.disabled = true;
    toast(t('reset_running'));
    try {
      await post('/api/reset');
      await loadPersonas();
      choose(state.current);
      toast(t('reset_done'));
    } catch (error) {
      toast(t('failed') + error.message);
    } finally {
      button.disabled = false;
    }
  }

  // -- wiring -----------------------------------------------------------------------------
  $('composer').addEventListener('submit', function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = '';
    autosize();
    sendText(text);
    input.focus();
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('composer').requestSubmit();
    }
  });
  input.addEventListener('input', autosize);
  $('file').addEventListener('change', function () {
    var file = this.files && this.files[0];
    sendFile(file);
    this.value = '';
  });
  $('menu').addEventListener('click', function (event) {
    event.stopPropagation();
    if ($('commands').hidden) openCommands();
    else closeCommands();
  });
  document.addEventListener('click', function (event) {
    if (!$('commands').hidden && !$('commands').contains(event.target)) closeCommands();
  });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') closeCommands();
  });
  $('start').addEventListener('click', function () { sendText('/start'); });
  $('reset').addEventListener('click', resetDemo);
  box.addEventListener('scroll', function () {
    state.stick = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
  });
  window.addEventListener('hashchange', function () {
    var wanted = parseInt(location.hash.slice(1), 10);
    if (wanted && wanted !== state.current) choose(wanted);
  });

  async function boot() {
    applyLanguage();
    for (var attempt = 0; ; attempt += 1) {
      try {
        await loadPersonas();
        break;
      } catch (error) {
        $('banner').textContent = t('offline');
        $('banner').hidden = false;
        await sleep(Math.min(5000, 500 * (attempt + 1)));
      }
    }
    $('banner').hidden = true;
    var saved = null;
    try { saved = localStorage.getItem('sandbox.persona'); } catch (e) { saved = null; }
    var wanted = parseInt(location.hash.slice(1), 10) || parseInt(saved, 10);
    choose(personaById(wanted) ? wanted : state.personas[0].tg_id);
  }

  boot();
})();
