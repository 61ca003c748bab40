/**
 * Text <-> token ids in the browser: the artifact's tokenizer.json (@huggingface/tokenizers) and the manifest's
 * chat template (@huggingface/jinja), so the tab encodes exactly the ids the native runtime does.
 *
 * compiler/tokenizer.py is the reference: tokenizer.json's post-processor already adds BOS when the model wants it
 * (manifest.tokenizer.add_bos), so we never add it again; decoding skips special tokens; with no chat template a
 * plain "role: content" transcript is used. `encodeChat` follows compiler/chat_template.py's ChatEncoder step by
 * step, so special tokens come from the template only, never from what a user typed.
 *
 * Plain ES module, no module-level state.
 */
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';

import { ArtifactError, artifactBase } from './artifact.js';

/**
 * @typedef {{role: string, content: string}} ChatMessage
 */

// Private-use characters delimit sentinels and markers (see encodeChat): no tokenizer gives them a meaning.
const OPEN = '\uE000';
const CLOSE = '\uE001';

/** @returns {string} 16 random hex digits: markers nobody can guess, so no message can spell one. */
function nonce() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class TextCodec {
  /**
   * @param {object} tokenizerJson  Parsed tokenizer.json.
   * @param {any} info              manifest.tokenizer: {chat_template, bos_token, eos_token, eos_ids, add_bos, ...}
   */
  constructor(tokenizerJson, info) {
    // Python's `tokenizers` decodes without the "clean up spaces" pass transformers.js applies by default.
    this.tokenizer = new Tokenizer(tokenizerJson, { clean_up_tokenization_spaces: false });
    this.tokenizerJson = tokenizerJson;
    /** @type {ChatTokenizer | null} built on the first encodeChat */
    this.chatTokenizer = null;
    this.info = info;
    /** @type {Set<number>} */
    this.eosIds = new Set(info.eos_ids ?? []);
    this.template = info.chat_template ? new Template(info.chat_template) : null;
  }

  /**
   * @param {string} text
   * @returns {number[]}
   */
  encode(text) {
    return this.tokenizer.encode(text).ids;
  }

  /**
   * @param {ArrayLike<number>} ids
   * @returns {string}
   */
  decode(ids) {
    const list = Array.from(ids);
    return list.length ? this.tokenizer.decode(list, { skip_special_tokens: true }) : '';
  }

  /**
   * The prompt string for `messages`, rendered like transformers' apply_chat_template(tokenize=False).
   * @param {ChatMessage[]} messages
   * @param {{addGenerationPrompt?: boolean}} [options]
   * @returns {string}
   */
  chatPrompt(messages, options = {}) {
    const addGenerationPrompt = options.addGenerationPrompt ?? true;
    messages.forEach((m, i) => {
      if (typeof m?.role !== 'string' || !m.role || typeof m.content !== 'string') {
        throw new TypeError(`messages[${i}]: expected {role: non-empty string, content: string}`);
      }
    });
    if (!this.template) {
      const lines = messages.map((m) => `${m.role}: ${m.content}\n`).join('');
      return lines + (addGenerationPrompt ? 'assistant:' : '');
    }
    return this.template.render({
      messages,
      add_generation_prompt: addGenerationPrompt,
      bos_token: this.info.bos_token ?? '',
      eos_token: this.info.eos_token ?? '',
    });
  }

  /**
   * Token ids of the chat prompt for `messages`, where only the template can produce special tokens: a message
   * holding "<|im_end|>" gets that text's ordinary ids, not the end-of-turn id. Same steps as compiler/chat_template.py
   * ChatEncoder: render with sentinels to locate each content exactly, replace the template's own special tokens by
   * private markers that a second tokenizer (special added tokens renamed to the markers) knows, encode the whole
   * prompt in one call so pieces merge as in encode(chatPrompt(...)), and map marker ids back.
   * @param {ChatMessage[]} messages
   * @param {{addGenerationPrompt?: boolean}} [options]
   * @returns {number[]}
   */
  encodeChat(messages, options = {}) {
    const chat = (this.chatTokenizer ??= new ChatTokenizer(this.tokenizer, this.tokenizerJson));
    messages.forEach((m, i) => {
      const special = chat.specialsByLength.find((s) => typeof m?.role === 'string' && m.role.includes(s));
      if (special !== undefined) throw new TypeError(`messages[${i}].role contains the special token ${special}`);
      if (`${m?.role}${m?.content}`.includes(chat.markerPrefix)) {
        throw new TypeError(`messages[${i}] holds this encoder's private marker`);  // 2**-64 by chance
      }
    });
    const rendered = this.chatPrompt(messages, options);
    const tag = OPEN + nonce();
    const masked = this.chatPrompt(messages.map((m, i) => ({ ...m, content: `${tag}${i}${CLOSE}` })), options);
    // The tag is private-use characters and hex digits: nothing in it needs escaping in a RegExp.
    const parts = masked.split(new RegExp(`${tag}(\\d+)${CLOSE}`));
    // @huggingface/jinja's `trim` filter is String.prototype.trim: a template that trims contents is followed too.
    for (const restore of [(/** @type {string} */ s) => s, (/** @type {string} */ s) => s.trim()]) {
      const pieces = parts.map((p, k) => (k % 2 === 0 ? p : restore(messages[Number(p)].content)));
      if (pieces.join('') === rendered) {
        const text = pieces.map((p, k) => (k % 2 === 0 ? chat.markSpecials(p) : p)).join('');
        return chat.encode(text);
      }
    }
    throw new TypeError('the chat template changes message contents in a way that cannot be tokenized safely '
      + '(it neither copies nor trims them)');
  }
}

/**
 * The second tokenizer of encodeChat: tokenizer.json with every special added token renamed to a private marker, so
 * special-token text is plain text to it, plus what maps its ids back.
 */
class ChatTokenizer {
  /**
   * @param {Tokenizer} tokenizer  the model's tokenizer (for its post-processor's BOS/EOS)
   * @param {any} json             its tokenizer.json
   */
  constructor(tokenizer, json) {
    this.markerPrefix = OPEN + nonce();
    /** @type {Map<string, string>} special token text -> marker */
    this.markers = new Map();
    const markerIds = new Map();
    const addedTokens = (json.added_tokens ?? []).map((/** @type {any} */ t) => {
      if (!t.special) return t;
      const marker = `${this.markerPrefix}.${t.id}${CLOSE}`;
      this.markers.set(t.content, marker);
      markerIds.set(marker, t.id);
      return { ...t, content: marker };
    });
    this.tokenizer = new Tokenizer({ ...json, added_tokens: addedTokens }, { clean_up_tokenization_spaces: false });
    /** @type {Map<number, number>} */
    this.idMap = new Map([...markerIds].map(([m, id]) => [this.tokenizer.token_to_id(m), id]));
    this.specialsByLength = [...this.markers.keys()].sort((a, b) => b.length - a.length);
    // What the post-processor puts around a text (BOS, EOS), found by encoding one.
    const plain = tokenizer.encode('a', { add_special_tokens: false }).ids;
    const full = tokenizer.encode('a').ids;
    const start = full.findIndex((_, s) => plain.every((id, k) => full[s + k] === id));
    if (start < 0) {
      throw new TypeError("the tokenizer's post-processor changes the text's own ids; chat encoding cannot follow it");
    }
    this.prefix = full.slice(0, start);
    this.suffix = full.slice(start + plain.length);
  }

  /**
   * `text` with each special token replaced by its marker, leftmost-longest as the tokenizers match added tokens.
   * @param {string} text
   * @returns {string}
   */
  markSpecials(text) {
    let out = '';
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const special = this.specialsByLength.find((s) => text.startsWith(s, i));
      if (special === undefined) {
        i += 1;
        continue;
      }
      out += text.slice(start, i) + this.markers.get(special);
      i += special.length;
      start = i;
    }
    return out + text.slice(start);
  }

  /**
   * @param {string} text  template text already marked, contents as they are
   * @returns {number[]}
   */
  encode(text) {
    const ids = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    return [...this.prefix, ...ids.map((id) => this.idMap.get(id) ?? id), ...this.suffix];
  }
}

/**
 * Fetch the artifact's tokenizer.json and build the codec.
 * @param {string} baseUrl
 * @param {any} manifest
 * @param {{signal?: AbortSignal}} [options]
 * @returns {Promise<TextCodec>}
 */
export async function loadTokenizer(baseUrl, manifest, options = {}) {
  const url = new URL(manifest.tokenizer.file, artifactBase(baseUrl)).href;
  const response = await fetch(url, { signal: options.signal });
  if (!response.ok) throw new ArtifactError(`${url}: HTTP ${response.status}`);
  let json;
  try {
    json = await response.json();
  } catch (e) {
    throw new ArtifactError(`${url}: not valid JSON (${e.message})`);
  }
  try {
    return new TextCodec(json, manifest.tokenizer);
  } catch (e) {
    throw new ArtifactError(`${url}: not a tokenizer this page can read (${e.message})`);
  }
}

/**
 * Turns a growing list of ids into text deltas. Byte-level BPE splits multi-byte characters across tokens, so text
 * that ends in an incomplete character (U+FFFD) is held back until the next token completes it.
 */
export class StreamDecoder {
  /** @param {TextCodec} codec */
  constructor(codec) {
    this.codec = codec;
    /** @type {number[]} */
    this.ids = [];
    this.emitted = 0;   // UTF-16 units of decode(ids) already handed out
  }

  /**
   * The text this id completes (may be empty): server/textstream.py's IncrementalDecoder.push, step for step.
   * @param {number} id
   * @returns {string}
   */
  push(id) {
    this.ids.push(id);
    const text = this.codec.decode(this.ids);
    if (text.endsWith('\uFFFD')) return '';
    return this.#take(text);
  }

  /**
   * Everything not handed out yet, including a trailing U+FFFD that no later id will complete (the end of a
   * reply): IncrementalDecoder.flush.
   * @returns {string}
   */
  flush() {
    return this.#take(this.codec.decode(this.ids));
  }

  /** @param {string} text */
  #take(text) {
    const delta = text.slice(this.emitted);
    this.emitted = Math.max(this.emitted, text.length);
    return delta;
  }
}
