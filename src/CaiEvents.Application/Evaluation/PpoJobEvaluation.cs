using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Application.Hosts;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Evaluation;

/// <summary>
/// A finished PPO job's start-versus-final evaluation, stored on its stream as <see cref="PpoEvaluated"/> (what <c>cai demo</c> prints and
/// the dashboard's PPO page shows): <see cref="PolicyEvaluation"/> of the job's start policy, then of its final checkpoint with the start
/// policy as the KL reference, on the run's prompts with the same seeds. Recorded once per job and settings: asked again, it returns
/// the stored numbers without sampling.
/// </summary>
public static class PpoJobEvaluation
{
    /// <param name="maxNewTokens">Null: the job's own.</param>
    public static async Task<PpoEvaluated> EvaluateAndRecordAsync(Guid jobId, int samplesPerPrompt, long seed, int? maxNewTokens,
        IConfiguration configuration, Action<int, int> onProgress, CancellationToken ct)
    {
        if (samplesPerPrompt < 1) throw new UsageException("--samples: must be ≥ 1");
        await using var store = await EventStoreAccess.OpenAsync(configuration, ct);
        IReadOnlyList<object> events;
        await using (var query = store.QuerySession())
            events = (await query.Events.FetchStreamAsync(jobId, token: ct)).Select(e => e.Data).ToList();
        var started = events.OfType<PpoStarted>().FirstOrDefault() ?? throw new UsageException($"--job: {jobId} is not a PPO job");
        var final = events.OfType<PolicyCheckpointed>().LastOrDefault(c => c.Final)
                    ?? throw new UsageException($"--job: PPO job {jobId} has no final checkpoint yet");
        var maxNew = maxNewTokens ?? started.HyperParameters.MaxNewTokens;
        var stored = events.OfType<PpoEvaluated>().LastOrDefault(e => e.SamplesPerPrompt == samplesPerPrompt && e.Seed == seed && e.MaxNewTokens == maxNew);
        if (stored is not null) return stored;

        var start = await PolicyEvaluation.EvaluateAsync(started.RunId, started.PreferenceModel, started.PolicyModel, null, samplesPerPrompt, seed,
            maxNew, configuration, onProgress, ct);
        var trained = await PolicyEvaluation.EvaluateAsync(started.RunId, started.PreferenceModel, ModelIds.Hf(final.Path), started.PolicyModel,
            samplesPerPrompt, seed, maxNew, configuration, onProgress, ct);
        var evaluated = new PpoEvaluated(jobId, started.RunId, start.Pm, start.Prompts, samplesPerPrompt, seed, maxNew, Score(start), Score(trained),
            DateTimeOffset.UtcNow);
        await using var session = store.LightweightSession();
        // Expected version: a second evaluation racing this one cannot record the job's evaluation twice.
        session.Events.Append(jobId, events.Count + 1, evaluated);
        await session.SaveChangesAsync(ct);
        return evaluated;
    }

    /// <summary>A stored score as <c>cai ppo eval</c> prints it.</summary>
    public static PolicyEvaluationResult Result(PpoEvaluated evaluation, PolicyEvaluationScore score) =>
        new(score.Policy, score.PolicySha256, evaluation.PreferenceModel, evaluation.Prompts, score.Samples, score.MeanReward, score.RewardStderr,
            score.Reference, score.MeanKl);

    private static PolicyEvaluationScore Score(PolicyEvaluationResult r) =>
        new(r.Policy, r.PolicySha256, r.Samples, r.MeanReward, r.RewardStderr, r.Reference, r.MeanKl);
}
