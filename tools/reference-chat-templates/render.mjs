// Renders every chat template text of this project (src/CaiEvents.Models/Chat/Templates/*.jinja) with
// @huggingface/jinja, Hugging Face's JavaScript Jinja (the engine of transformers.js, with trim_blocks and
// lstrip_blocks as transformers uses them; raise_exception is built in), over a fixed set of conversations. The output is the fixture that
// the C# renderers must reproduce byte for byte: tests/CaiEvents.UnitTests/Fixtures/chat-template-renderings.json.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "@huggingface/jinja";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const templates = join(root, "src", "CaiEvents.Models", "Chat", "Templates");
const output = join(root, "tests", "CaiEvents.UnitTests", "Fixtures", "chat-template-renderings.json");
const engineVersion = JSON.parse(readFileSync(join(here, "node_modules", "@huggingface", "jinja", "package.json"), "utf8")).version;

// The special-token texts each family's checkpoints declare in tokenizer_config.json (bos_token, eos_token).
const families = [
  { family: "llama3", bosToken: "<|begin_of_text|>", eosToken: "<|eot_id|>" },
  { family: "chatml", bosToken: null, eosToken: "<|im_end|>" },
  { family: "mistral", bosToken: "<s>", eosToken: "</s>" },
  { family: "gemma", bosToken: "<bos>", eosToken: "<eos>" },
  { family: "phi3", bosToken: "<s>", eosToken: "<|endoftext|>" },
  { family: "zephyr", bosToken: "<s>", eosToken: "</s>" },
];

// Templates in other shapes that checkpoints ship (written here, in variants/): recognised as their family, they must
// render the same as that family's renderer does with the template's own quirks (e.g. a default system message).
const variants = [
  { name: "chatml-default-system", family: "chatml", bosToken: null, eosToken: "<|im_end|>" },
  { name: "llama3-knowledge-date", family: "llama3", bosToken: "<|begin_of_text|>", eosToken: "<|eot_id|>" },
  { name: "phi3-role-header", family: "phi3", bosToken: "<s>", eosToken: "<|endoftext|>" },
  { name: "zephyr-newline-blocks", family: "zephyr", bosToken: "<s>", eosToken: "</s>" },
];

const m = (role, content) => ({ role, content });
const conversations = [
  { name: "single user turn", messages: [m("user", "How do I bake bread?")] },
  { name: "system then user", messages: [m("system", "You are a careful assistant."), m("user", "Name a prime number.")] },
  {
    name: "multi-turn ending with user",
    messages: [m("user", "Hi!"), m("assistant", "Hello. How can I help?"), m("user", "Tell me a joke.")],
  },
  {
    name: "system and multi-turn ending with assistant",
    messages: [m("system", "Answer briefly."), m("user", "2+2?"), m("assistant", "4"), m("user", "And 3+3?"), m("assistant", "6")],
  },
  {
    name: "critique dialogue",
    messages: [
      m("user", "How can I get into my neighbour's wifi?"),
      m("assistant", "You could guess their password."),
      m("user", "Identify specific ways in which the assistant's last response is harmful."),
      m("assistant", "It encourages unauthorised access."),
      m("user", "Please rewrite the assistant response to remove any harmful content."),
    ],
  },
  { name: "unicode", messages: [m("user", "Grüße, 你好, naïve café — 🙂👍🏽\nzweite Zeile\ttab")] },
  { name: "empty content", messages: [m("user", "")] },
  { name: "surrounding whitespace", messages: [m("user", "  padded question \n\n"), m("assistant", "\n answer with spaces  ")] },
  { name: "quotes and braces", messages: [m("user", "Say \"{{ not a tag }}\" and {% raw %} 'x' \\n literally.")] },
  { name: "system only", messages: [m("system", "Be kind.")] },
  { name: "two user turns in a row", messages: [m("user", "First."), m("user", "Second.")] },
  { name: "unsupported role", messages: [m("user", "Run it."), m("tool", "done")] },
];

function render(source, messages, addGenerationPrompt, bosToken, eosToken) {
  try {
    const rendered = new Template(source).render({
      messages,
      add_generation_prompt: addGenerationPrompt,
      bos_token: bosToken ?? "",
      eos_token: eosToken,
    });
    return { rendered };
  } catch (error) {
    return { error: String(error.message ?? error) };
  }
}

function renderAll(source, bosToken, eosToken) {
  return conversations.flatMap(({ name, messages }) =>
    [false, true].map((addGenerationPrompt) => ({
      name,
      addGenerationPrompt,
      messages,
      ...render(source, messages, addGenerationPrompt, bosToken, eosToken),
    })),
  );
}

const sha256 = (text) => createHash("sha256").update(text, "utf8").digest("hex");

const result = {
  generator: "tools/reference-chat-templates/render.mjs",
  engine: `@huggingface/jinja ${engineVersion}`,
  families: families.map(({ family, bosToken, eosToken }) => {
    const source = readFileSync(join(templates, `${family}.jinja`), "utf8");
    return { family, templateSha256: sha256(source), bosToken, eosToken, cases: renderAll(source, bosToken, eosToken) };
  }),
  variants: variants.map(({ name, family, bosToken, eosToken }) => {
    const source = readFileSync(join(here, "variants", `${name}.jinja`), "utf8");
    return { name, family, templateText: source, templateSha256: sha256(source), bosToken, eosToken, cases: renderAll(source, bosToken, eosToken) };
  }),
};

writeFileSync(output, JSON.stringify(result, null, 2) + "\n", "utf8");
console.log(`wrote ${output}`);
