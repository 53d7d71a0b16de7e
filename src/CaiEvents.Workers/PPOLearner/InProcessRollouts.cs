using CaiEvents.Contracts;
using CaiEvents.Models;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>Rollouts from the learner's own policy model, in this process (one batched generation per step).</summary>
public sealed class InProcessRollouts : IRolloutGenerator
{
    public async Task<IReadOnlyList<RolloutSample>> GenerateAsync(LocalTextModel policy, string policyHash, Guid jobId, int step,
        IReadOnlyList<RolloutPrompt> prompts, SamplingParameters sampling, string outputDirectory, CancellationToken ct)
    {
        var generated = await policy.GenerateTokensAsync(prompts.Select(p => new GenerationRequest(p.RenderedPrompt, sampling, p.Seed)).ToList(), true, ct);
        return prompts.Select((p, i) => new RolloutSample(p.Index, generated[i].PromptIds.ToArray(), generated[i].TokenIds.ToArray(),
            generated[i].Text)).ToList();
    }
}
