using CaiEvents.Contracts;
using CaiEvents.Models;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>Where rollouts come from: the learner's own policy in-process, or Generator workers over RabbitMQ.</summary>
public interface IRolloutGenerator
{
    /// <summary>Samples one response per prompt from the policy whose weights hash to <paramref name="policyHash"/>.</summary>
    Task<IReadOnlyList<RolloutSample>> GenerateAsync(LocalTextModel policy, string policyHash, Guid jobId, int step,
        IReadOnlyList<RolloutPrompt> prompts, SamplingParameters sampling, string outputDirectory, CancellationToken ct);
}
