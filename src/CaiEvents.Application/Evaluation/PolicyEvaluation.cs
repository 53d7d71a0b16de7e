using CaiEvents.Application.Hosts;
using CaiEvents.Application.Policies;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Models.Rl;
using CaiEvents.Workers.Common;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Evaluation;

/// <summary>
/// <c>cai ppo eval</c> (also the evaluation of <c>cai demo</c>): the mean preference-model reward of a policy on a run's prompts
/// (K seeded samples per prompt, sampled as the rollouts are), and with a reference the mean sequence KL to it; the same seeds
/// for every policy, so two policies are compared on the same prompts and sampling noise.
/// </summary>
public static class PolicyEvaluation
{
    /// <summary>Responses generated and scored per model call.</summary>
    public const int ChunkSize = 32;

    /// <param name="onProgress">Samples scored so far and in all, after each chunk.</param>
    public static async Task<PolicyEvaluationResult> EvaluateAsync(Guid runId, string pm, string policy, string? reference, int samples, long seed,
        int maxNewTokens, IConfiguration configuration, Action<int, int> onProgress, CancellationToken ct)
    {
        var perPrompt = samples;
        if (perPrompt < 1) throw new UsageException("--samples: must be ≥ 1");
        var pmDirectory = ModelIds.LocalDirectory(pm);
        if (!Models.Preference.RewardModel.Exists(pmDirectory))
            throw new UsageException(
                $"--pm: {pmDirectory} is not a preference-model checkpoint (no {LocalCheckpoint.WeightsFileName} or {Models.Lora.PeftAdapter.ConfigFileName})");
        await using var store = await EventStoreAccess.OpenAsync(configuration, ct);
        List<string> prompts;
        await using (var query = store.QuerySession())
        {
            prompts = (await Marten.QueryableExtensions.ToListAsync(query.Events.QueryRawEventDataOnly<PromptSubmitted>().Where(p => p.RunId == runId), ct))
                .OrderBy(p => p.Index).Select(p => p.Prompt).ToList();
            if (prompts.Count == 0) throw new UsageException($"--run: run {runId} has no prompts");
        }
        var modelOptions = ModelConfiguration.Options(configuration);
        var policyId = await PolicyReference.ResolveAsync(store, policy, "--policy", "", ct);
        var referenceId = reference is { } r ? await PolicyReference.ResolveAsync(store, r, "--reference", "", ct) : null;
        using var model = ModelCatalog.Load(policyId, modelOptions) as LocalTextModel
                          ?? throw new UsageException($"--policy: {policyId} is not a local TorchSharp model (builtin:tiny, builtin:demo or hf:DIR)");
        using var referenceModel = referenceId is null ? null
            : ModelCatalog.Load(referenceId, modelOptions) as LocalTextModel
              ?? throw new UsageException($"--reference: {referenceId} is not a local TorchSharp model (builtin:tiny, builtin:demo or hf:DIR)");
        using var scorer = Models.Preference.RewardScorer.Load(pmDirectory, modelOptions);
        var sampling = new SamplingParameters(Temperature: 1.0, TopP: 1.0, TopK: 0, MaxNewTokens: maxNewTokens,
            StopSequences: RolePrompts.StopSequences(model.ChatTemplate));
        var items = Enumerable.Range(0, prompts.Count)
            .SelectMany(p => Enumerable.Range(0, perPrompt).Select(k => (Prompt: p, Seed: seed + p * 1009L + k))).ToList();
        var rewards = new List<double>();
        var kls = new List<double>();
        foreach (var chunk in items.Chunk(ChunkSize))
        {
            var requests = chunk.Select(i => new GenerationRequest(RolePrompts.Response(model.ChatTemplate, prompts[i.Prompt]), sampling, i.Seed)).ToList();
            var generated = await model.GenerateTokensAsync(requests, true, ct);
            var responses = chunk.Select((i, j) => (prompts[i.Prompt], RolePrompts.Cut(model.ChatTemplate, generated[j].Text))).ToList();
            rewards.AddRange(await scorer.ScoreAsync(responses, ct));
            if (referenceModel is not null)
            {
                var rollouts = generated.Select(g =>
                    new Rollout(g.PromptIds.ToArray(), g.TokenIds.Count == 0 ? [model.Tokenizer.EndOfTextId] : g.TokenIds.ToArray(), 0)).ToList();
                kls.AddRange(await TorchThread.RunAsync(
                    () => PpoTrainer.SequenceKl(model.Network, referenceModel.Network, rollouts, model.Tokenizer.EndOfTextId), ct));
            }
            onProgress(rewards.Count, items.Count);
        }
        var (mean, stderr) = PolicyEvaluator.MeanAndStandardError(rewards);
        return new PolicyEvaluationResult(policyId, model.Identity.CheckpointHash, Path.GetFullPath(pmDirectory), prompts.Count, rewards.Count, mean, stderr,
            referenceId, kls.Count > 0 ? kls.Average() : null);
    }
}
