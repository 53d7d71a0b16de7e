namespace CaiEvents.Models;

/// <summary>The tokenizer side of a causal language model: what generation and scoring need from it.</summary>
public interface ITextTokenizer
{
    /// <summary>The end-of-text id: stops generation, stands for an empty prompt, and pads batches.</summary>
    int EndOfTextId { get; }

    /// <summary>Ids the tokenizer can decode are [0, VocabCount); a model's vocabulary may be padded beyond it.</summary>
    int VocabCount { get; }

    int[] Encode(string text);

    string Decode(IEnumerable<int> ids);
}
