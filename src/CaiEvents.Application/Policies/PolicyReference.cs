using CaiEvents.Contracts;
using CaiEvents.EventStore.Policies;
using Marten;

namespace CaiEvents.Application.Policies;

/// <summary>
/// A policy named by an option (<c>--policy</c>, <c>--reference</c>): resolved by <see cref="PolicyResolver"/> (the one home of
/// <c>sft:RUN</c> → <c>hf:DIR</c>), with its failures as one-line usage errors that name the option.
/// </summary>
public static class PolicyReference
{
    /// <summary>Checks an <c>sft:</c> reference's run id before anything is opened.</summary>
    public static void Validate(string modelId, string option)
    {
        if (ModelIds.IsSft(modelId)) RunIdOf(modelId, option);
    }

    /// <param name="hint">Appended to the "no finished job" error, e.g. " (run ./cai sft … first)"; {0} is the run id.</param>
    public static async Task<string> ResolveAsync(IDocumentStore store, string modelId, string option, string hint, CancellationToken ct)
    {
        if (!ModelIds.IsSft(modelId)) return modelId;
        var runId = RunIdOf(modelId, option);
        await using var session = store.QuerySession();
        try
        {
            return await PolicyResolver.ResolveAsync(session, modelId, ct);
        }
        catch (PolicyNotFoundException e)
        {
            throw new UsageException($"{option}: {e.Message}{string.Format(System.Globalization.CultureInfo.InvariantCulture, hint, runId)}");
        }
    }

    private static Guid RunIdOf(string modelId, string option)
    {
        var text = modelId[ModelIds.SftScheme.Length..];
        return Guid.TryParse(text, out var runId) ? runId
            : throw new UsageException($"{option} sft: run '{text}' is not a valid id (expected a GUID)");
    }
}
