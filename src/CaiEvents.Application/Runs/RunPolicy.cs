using CaiEvents.Application.Hosts;
using CaiEvents.Application.Policies;
using CaiEvents.EventStore;
using CaiEvents.Workers.Submission;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Runs;

/// <summary>
/// <c>--policy sft:RUN</c> names the SL-CAI policy of a run: the final checkpoint of its latest finished
/// <c>cai sft</c> job, resolved before the run is written so the run records exactly which checkpoint it used.
/// </summary>
public static class RunPolicy
{
    public static async Task<RunRequest> ResolveAsync(RunRequest request, IConfiguration configuration, IRunObserver observer, CancellationToken ct)
    {
        if (request.Feedback is not { PolicyModel: var policy } feedback || !Contracts.ModelIds.IsSft(policy)) return request;
        PolicyReference.Validate(policy, "--policy");
        await using var store = await EventStoreAccess.OpenAsync(configuration, ct);
        var resolved = await PolicyReference.ResolveAsync(store, policy, "--policy", " (run ./cai sft --run {0} --out DIR first)", ct);
        // The notice names the checkpoint's hash; PolicyResolver is the rule, this only reads what it chose.
        var sftRun = Guid.Parse(policy[Contracts.ModelIds.SftScheme.Length..]);
        await using (var session = store.QuerySession())
            if (await PolicyCheckpoints.LatestFinalAsync(session, sftRun, ct) is { } checkpoint) observer.PolicyResolved(sftRun, checkpoint);
        return request with { Feedback = feedback with { PolicyModel = resolved } };
    }
}
