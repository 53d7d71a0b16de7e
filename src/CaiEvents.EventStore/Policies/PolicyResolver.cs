using CaiEvents.Contracts;
using Marten;

namespace CaiEvents.EventStore.Policies;

/// <summary>
/// Resolves a policy reference to a model id that can be loaded: <c>sft:RUN</c> names the SL-CAI policy of a run
/// (the final checkpoint of its latest finished fine-tuning job) and becomes <c>hf:DIR</c>, so what is recorded names
/// exactly which checkpoint was used; every other id is returned as it is. The one home of this rule for the
/// application layer (CLI commands) and the workers.
/// </summary>
public static class PolicyResolver
{
    /// <exception cref="PolicyNotFoundException">An <c>sft:</c> reference whose run id is malformed or whose run has no finished job.</exception>
    public static async Task<string> ResolveAsync(IQuerySession session, string modelId, CancellationToken ct)
    {
        if (!ModelIds.IsSft(modelId)) return modelId;
        var text = modelId[ModelIds.SftScheme.Length..];
        if (!Guid.TryParse(text, out var runId))
            throw new PolicyNotFoundException(modelId, runId, $"'{text}' is not a valid run id (expected a GUID)");
        var checkpoint = await PolicyCheckpoints.LatestFinalAsync(session, runId, ct)
            ?? throw new PolicyNotFoundException(modelId, runId, $"run {runId} has no finished SL-CAI fine-tuning job");
        return ModelIds.Hf(checkpoint.Path);
    }
}

/// <summary>An <c>sft:RUN</c> reference that names no policy. The message is one line, without the option it came from.</summary>
public sealed class PolicyNotFoundException(string reference, Guid runId, string problem) : Exception(problem)
{
    public string Reference { get; } = reference;

    /// <summary>The run named (empty when the id was malformed).</summary>
    public Guid RunId { get; } = runId;
}
