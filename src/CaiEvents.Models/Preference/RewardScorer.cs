using static TorchSharp.torch;

namespace CaiEvents.Models.Preference;

/// <summary>
/// Thread-safe scoring with a <see cref="RewardModel"/>: every call runs on the <see cref="TorchThread"/>, one at a
/// time, in eval mode without gradients. Texts are laid out by <see cref="RewardModel.Format"/> and scored in
/// left-padded batches, so a pair scores the same alone or in a batch (up to float rounding).
/// </summary>
public sealed class RewardScorer : IDisposable
{
    private readonly RewardModel model;
    private volatile bool disposed;
    private bool modelDisposed; // touched only on the torch thread

    /// <summary>Takes over <paramref name="model"/>; <paramref name="checkpointHash"/> identifies its weights.</summary>
    public RewardScorer(RewardModel model, string modelId, string checkpointHash, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        this.model = model;
        Identity = new ModelIdentity(modelId, checkpointHash);
        BatchSize = batchSize;
    }

    /// <summary>Loads a reward-model directory (see <see cref="RewardModel.Load"/>); its hash is the file's sha256.</summary>
    public static RewardScorer Load(string directory, ModelOptions options, int batchSize = 16)
    {
        var model = TorchThread.RunAsync(() => RewardModel.Load(directory, options)).GetAwaiter().GetResult();
        return new RewardScorer(model, "hf:" + Path.GetFullPath(directory), RewardModel.FileSha256(directory), batchSize);
    }

    public ModelIdentity Identity { get; }

    public int BatchSize { get; }

    /// <summary>r(prompt, response) for each item, in order.</summary>
    public Task<IReadOnlyList<double>> ScoreAsync(IReadOnlyList<(string Prompt, string Response)> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ObjectDisposedException.ThrowIf(disposed, this);
        return TorchThread.RunAsync<IReadOnlyList<double>>(() =>
        {
            ObjectDisposedException.ThrowIf(modelDisposed, this);
            var rows = items.Select(i => model.Encode(i.Prompt, i.Response)).ToList();
            var result = new List<double>(rows.Count);
            var wasTraining = model.training;
            model.eval();
            try
            {
                foreach (var chunk in rows.Chunk(BatchSize))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    var (ids, mask) = model.LeftPad(chunk);
                    result.AddRange(model.Scores(ids, mask).cpu().data<float>().ToArray().Select(v => (double)v));
                }
            }
            finally
            {
                if (wasTraining) model.train();
            }
            return result;
        }, cancellationToken);
    }

    /// <summary>Lets queued calls finish, then frees the weights (on the torch thread).</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        TorchThread.RunAsync(() =>
        {
            if (!modelDisposed)
            {
                modelDisposed = true;
                model.Dispose();
            }
            return true;
        }).GetAwaiter().GetResult();
    }
}
