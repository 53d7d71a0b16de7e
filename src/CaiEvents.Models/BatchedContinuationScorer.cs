using static TorchSharp.torch;

namespace CaiEvents.Models;

/// <summary>
/// <see cref="ContinuationScorer"/> for several prompts at once, in one forward pass: prompts are left-padded (with an
/// attention mask, so positions count real tokens only) to end at the same column, continuations right-padded. Each item
/// is truncated exactly as it would be scored alone, so the scores match. Call <see cref="ScoreMany"/> on the
/// <see cref="TorchThread"/>.
/// </summary>
internal sealed class BatchedContinuationScorer(ICausalLanguageModel model, ITextTokenizer tokenizer)
{
    /// <summary>Throws unless every id is in the model's vocabulary; call before queueing the work.</summary>
    public void CheckIds(IReadOnlyList<(IReadOnlyList<int> PromptIds, IReadOnlyList<IReadOnlyList<int>> Continuations)> items)
    {
        foreach (var (promptIds, continuations) in items)
        {
            ArgumentNullException.ThrowIfNull(promptIds, nameof(items));
            ArgumentNullException.ThrowIfNull(continuations, nameof(items));
            foreach (var id in promptIds.Concat(continuations.SelectMany(c => c ?? throw new ArgumentNullException(nameof(items)))))
            {
                if (id < 0 || id >= model.VocabSize)
                {
                    throw new ArgumentOutOfRangeException(nameof(items), id, $"Token id must be in [0, {model.VocabSize}).");
                }
            }
        }
    }

    /// <summary>Result [i][j] is the per-token log-probabilities of continuation j of item i.</summary>
    public IReadOnlyList<IReadOnlyList<double[]>> ScoreMany(
        IReadOnlyList<(IReadOnlyList<int> PromptIds, IReadOnlyList<IReadOnlyList<int>> Continuations)> items, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var results = items.Select(item => item.Continuations.Select(c => new double[c.Count]).ToArray()).ToArray();
        // One row per non-empty continuation; each item's prompt is fitted as if it were scored alone.
        var rows = new List<(int Item, int Continuation, int[] Prompt)>();
        for (var i = 0; i < items.Count; i++)
        {
            var continuations = items[i].Continuations;
            if (continuations.All(c => c.Count == 0))
            {
                continue;
            }
            var prompt = FitPrompt(items[i].PromptIds, continuations.Max(c => c.Count));
            for (var j = 0; j < continuations.Count; j++)
            {
                if (continuations[j].Count > 0)
                {
                    rows.Add((i, j, prompt));
                }
            }
        }
        if (rows.Count == 0)
        {
            return results;
        }

        int batch = rows.Count, promptWidth = rows.Max(r => r.Prompt.Length);
        var longest = rows.Max(r => items[r.Item].Continuations[r.Continuation].Count);
        var width = promptWidth + longest;
        var eos = tokenizer.EndOfTextId;
        var ids = new long[batch * width];
        var maskHost = new long[batch * width];
        var targets = new long[batch * longest];
        for (var r = 0; r < batch; r++)
        {
            var (item, j, prompt) = rows[r];
            var continuation = items[item].Continuations[j];
            var pad = promptWidth - prompt.Length;
            for (var c = 0; c < width; c++)
            {
                var k = c - promptWidth; // index into the continuation
                ids[r * width + c] = c < pad ? eos : c < promptWidth ? prompt[c - pad] : k < continuation.Count ? continuation[k] : eos;
                maskHost[r * width + c] = c < pad ? 0 : 1;
            }
            for (var t = 0; t < continuation.Count; t++)
            {
                targets[r * longest + t] = continuation[t];
            }
        }
        var padded = rows.Any(r => r.Prompt.Length != promptWidth);

        return EvalMode.Run(model, () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            // Left padding keeps every prompt's last token in column promptWidth - 1; right padding after a
            // continuation cannot affect it (causal attention).
            var mask = padded ? tensor(maskHost, [batch, width], device: model.Device) : null;
            var hidden = model.HiddenStates(tensor(ids, [batch, width], device: model.Device), mask);
            var logits = model.Logits(hidden.narrow(1, promptWidth - 1, longest)).to(ScalarType.Float32);
            var picked = nn.functional.log_softmax(logits, 2)
                .gather(2, tensor(targets, [batch, longest, 1], device: model.Device))
                .cpu().data<float>().ToArray();
            for (var r = 0; r < batch; r++)
            {
                var result = results[rows[r].Item][rows[r].Continuation];
                for (var t = 0; t < result.Length; t++)
                {
                    result[t] = picked[r * longest + t];
                }
            }
            return (IReadOnlyList<IReadOnlyList<double[]>>)results;
        });
    }

    /// <summary>The prompt an item is scored after: never empty, left-truncated to leave room for the longest continuation.</summary>
    private int[] FitPrompt(IReadOnlyList<int> promptIds, int longest)
    {
        var context = model.ContextLength;
        if (longest >= context)
        {
            throw new ArgumentException($"A continuation of {longest} tokens does not fit the context length {context} after a prompt.", "continuations");
        }
        var prompt = promptIds.Count == 0 ? [tokenizer.EndOfTextId] : promptIds.ToArray();
        return tokenizer.KeepLast(prompt, context - longest);
    }
}
