using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// Exact log-probabilities (log_softmax) of continuations after one prompt, all continuations in one right-padded
/// forward pass. Call <see cref="Score"/> on the <see cref="TorchThread"/>.
/// </summary>
internal sealed class ContinuationScorer(ICausalLanguageModel model, ITextTokenizer tokenizer)
{
    /// <summary>Throws unless every id is in the model's vocabulary; call before queueing the work.</summary>
    public void CheckIds(IReadOnlyList<int> promptIds, IReadOnlyList<IReadOnlyList<int>> continuations)
    {
        foreach (var id in promptIds.Concat(continuations.SelectMany(c => c ?? throw new ArgumentNullException(nameof(continuations)))))
        {
            if (id < 0 || id >= model.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(continuations), id, $"Token id must be in [0, {model.VocabSize}).");
            }
        }
    }

    /// <summary>
    /// Per-token log-probabilities of each continuation after <paramref name="promptIds"/>. The prompt is left-truncated
    /// to fit the longest continuation into the context; an empty prompt stands for end-of-text.
    /// </summary>
    public IReadOnlyList<double[]> Score(IReadOnlyList<int> promptIds, IReadOnlyList<IReadOnlyList<int>> continuations,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var results = continuations.Select(c => new double[c.Count]).ToArray();
        var scored = Enumerable.Range(0, continuations.Count).Where(i => continuations[i].Count > 0).ToList();
        if (scored.Count == 0)
        {
            return results;
        }
        var longest = scored.Max(i => continuations[i].Count);
        var context = model.ContextLength;
        if (longest >= context)
        {
            throw new ArgumentException(
                $"A continuation of {longest} tokens does not fit the context length {context} after a prompt.", nameof(continuations));
        }
        var prompt = promptIds.Count == 0 ? [tokenizer.EndOfTextId] : promptIds.ToArray();
        prompt = tokenizer.KeepLast(prompt, context - longest);

        // Right padding needs no mask: causal attention keeps padding after a token from affecting it.
        int batch = scored.Count, width = prompt.Length + longest;
        var ids = new long[batch * width];
        var targets = new long[batch * longest];
        for (var r = 0; r < batch; r++)
        {
            var continuation = continuations[scored[r]];
            for (var c = 0; c < width; c++)
            {
                ids[r * width + c] = c < prompt.Length ? prompt[c]
                    : c - prompt.Length < continuation.Count ? continuation[c - prompt.Length] : tokenizer.EndOfTextId;
            }
            for (var j = 0; j < continuation.Count; j++)
            {
                targets[r * longest + j] = continuation[j];
            }
        }

        return EvalMode.Run(model, () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var hidden = model.HiddenStates(tensor(ids, [batch, width], device: model.Device));
            // Token j of a continuation is predicted at the position just before it.
            var logits = model.Logits(hidden.narrow(1, prompt.Length - 1, longest)).to(ScalarType.Float32);
            var picked = nn.functional.log_softmax(logits, 2)
                .gather(2, tensor(targets, [batch, longest, 1], device: model.Device))
                .cpu().data<float>().ToArray();
            for (var r = 0; r < batch; r++)
            {
                var result = results[scored[r]];
                for (var j = 0; j < result.Length; j++)
                {
                    result[j] = picked[r * longest + j];
                }
            }
            return results;
        });
    }
}
