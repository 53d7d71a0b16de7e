namespace CaiEvents.Workers.PPOLearner;

/// <summary>One prompt of a step, as the rollout generator gets it.</summary>
public sealed record RolloutPrompt(int Index, string Prompt, string RenderedPrompt, long Seed);
