namespace CaiEvents.Models.Tokenization;

/// <summary>The tokenizer layouts <see cref="TokenizerFiles"/> can write, each as its model family ships it.</summary>
public enum TokenizerStyle
{
    /// <summary>GPT-2: a <c>ByteLevel</c> pre-tokenizer with GPT-2's regex; <c>&lt;|endoftext|&gt;</c>; no bos added.</summary>
    Gpt2,

    /// <summary>
    /// Llama 3: <c>Split</c> with <see cref="PreTokenizerPatterns.Llama3"/> then <c>ByteLevel</c>; <c>&lt;|begin_of_text|&gt;</c> added by a
    /// <c>TemplateProcessing</c> post-processor, <c>&lt;|end_of_text|&gt;</c>, and the header and end-of-turn tokens.
    /// </summary>
    Llama3,

    /// <summary>Qwen2: NFC, <c>Split</c> with <see cref="PreTokenizerPatterns.Qwen2"/> then <c>ByteLevel</c>; ChatML's tokens; no bos.</summary>
    Qwen2,

    /// <summary>
    /// SentencePiece BPE as Llama 2, Mistral and TinyLlama ship it: a <c>Metaspace</c> '▁' pre-tokenizer, characters as base tokens with
    /// <c>&lt;0xNN&gt;</c> byte fallback, <c>&lt;unk&gt;</c>, and <c>&lt;s&gt;</c> added in front by a <c>TemplateProcessing</c> post-processor.
    /// </summary>
    SentencePiece,
}
