namespace CaiEvents.Models;

/// <summary>The tokenizer side of a causal language model: what generation and scoring need from it.</summary>
public interface ITextTokenizer
{
    /// <summary>The end-of-text id: stops generation, stands for an empty prompt, and pads batches.</summary>
    int EndOfTextId { get; }

    /// <summary>Ids the tokenizer can decode are [0, VocabCount); a model's vocabulary may be padded beyond it.</summary>
    int VocabCount { get; }

    /// <summary>
    /// Ids that end a generated turn: <see cref="EndOfTextId"/> and, for instruct models, the other eos ids of
    /// <c>generation_config.json</c> (e.g. ChatML's <c>&lt;|im_end|&gt;</c>).
    /// </summary>
    IReadOnlySet<int> StopIds => new HashSet<int> { EndOfTextId };

    /// <summary>
    /// The id put in front of every prompt (Llama's <c>&lt;s&gt;</c> / <c>&lt;|begin_of_text|&gt;</c>) when the tokenizer's
    /// configuration adds one; null when it adds none (GPT-2, Qwen).
    /// </summary>
    int? BeginOfTextId => null;

    /// <summary>Ids of <paramref name="text"/> without any added special token; special-token strings inside the text map to their ids.</summary>
    int[] Encode(string text);

    string Decode(IEnumerable<int> ids);
}
