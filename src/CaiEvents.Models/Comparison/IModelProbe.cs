namespace CaiEvents.Models.Comparison;

/// <summary>
/// What a parity check asks of one implementation of a model: its tokenizer, its per-position logits and its greedy
/// continuation, on token ids, so two implementations can be fed the very same input and compared number by number.
/// </summary>
public interface IModelProbe
{
    /// <summary>Names the implementation in reports (e.g. the model id).</summary>
    string Name { get; }

    /// <summary>The id put in front of every prompt, or null when the tokenizer adds none.</summary>
    int? BeginOfTextId { get; }

    /// <summary>Ids of <paramref name="text"/> without added special tokens; special-token strings in the text map to their ids.</summary>
    int[] Tokenize(string text);

    /// <summary>Logits [position][vocab] after each of <paramref name="ids"/> (row i predicts token i + 1), in float32.</summary>
    float[][] Logits(IReadOnlyList<int> ids);

    /// <summary>The <paramref name="count"/> tokens greedy decoding appends to <paramref name="ids"/>; end-of-text does not stop it.</summary>
    int[] GreedyContinuation(IReadOnlyList<int> ids, int count);
}
