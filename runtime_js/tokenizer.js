/**
 * Text <-> token ids in the browser: the artifact's tokenizer.json (@huggingface/tokenizers) and the manifest's
 * chat template (@huggingface/jinja), so the tab encodes exactly the ids the native runtime does.
 *
 * compiler/tokenizer.py is the reference: tokenizer.json's post-processor already adds BOS when the model wants it
 * (manifest.tokenizer.add_bos), so we never add it again; decoding skips special tokens; with no chat template a
 * plain "role: content" transcript is used.
 *
 * Plain ES module, no module-level state.
 */
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';

import { ArtifactError, artifactBase } from './artifact.js';

/**
 * @typedef {{role: string, content: string}} ChatMessage
 */

export class TextCodec {
  /**
   * @param {object} tokenizerJson  Parsed tokenizer.json.
   * @param {any} info              manifest.tokenizer: {chat_template, bos_token, eos_token, eos_ids, add_bos, ...}
   */
  constructor(tokenizerJson, info) {
    // Python's `tokenizers` decodes without the "clean up spaces" pass transformers.js applies by default.
    this.tokenizer = new Tokenizer(tokenizerJson, { clean_up_tokenization_spaces: false });
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
    this.emitted = '';
  }

  /**
   * @param {number} id
   * @returns {string} the new text (may be empty)
   */
  push(id) {
    this.ids.push(id);
    const text = this.codec.decode(this.ids);
    if (text.endsWith('\uFFFD') || !text.startsWith(this.emitted)) return '';
    const delta = text.slice(this.emitted.length);
    this.emitted = text;
    return delta;
  }
}
