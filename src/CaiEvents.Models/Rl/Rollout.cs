namespace CaiEvents.Models.Rl;

/// <summary>One response sampled from the policy: its (already rendered and tokenized) prompt, its tokens and the reward model's score.</summary>
public sealed record Rollout(int[] PromptIds, int[] ResponseIds, double Score);
