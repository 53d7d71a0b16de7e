// Prints, as JSON, the token ids Hugging Face's tokenizers library gives for every text of a hard-text file.
// Usage: node reference-ids.mjs TOKENIZER_JSON HARD_TEXT_JSON > expected-ids.json
// HARD_TEXT_JSON is a JSON list of strings (a list, not lines, so texts may hold newlines, \r\n or be empty).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Tokenizer } from 'tokenizers';

const [tokenizerPath, textsPath] = process.argv.slice(2);
if (!tokenizerPath || !textsPath) {
  console.error('usage: node reference-ids.mjs TOKENIZER_JSON HARD_TEXT_JSON');
  process.exit(2);
}

const require = createRequire(import.meta.url);
const libraryVersion = require('tokenizers/package.json').version;
const tokenizer = Tokenizer.fromFile(tokenizerPath);
const texts = JSON.parse(readFileSync(textsPath, 'utf8'));

const cases = [];
for (const text of texts) {
  // add_special_tokens=False: what HfTokenizer.Encode must give; with them: what a prompt gets (a bos, for Llama 3).
  const plain = await tokenizer.encode(text, null, { addSpecialTokens: false });
  const withSpecial = await tokenizer.encode(text, null, { addSpecialTokens: true });
  const ids = Array.from(plain.getIds());
  const decoded = await tokenizer.decode(ids, false);
  cases.push({
    text,
    ids,
    idsWithSpecialTokens: Array.from(withSpecial.getIds()),
    decoded,
    roundTrips: decoded === text,
  });
}

process.stdout.write(JSON.stringify({ library: `tokenizers@${libraryVersion}`, cases }, null, 1) + '\n');
