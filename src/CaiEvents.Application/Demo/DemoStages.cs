namespace CaiEvents.Application.Demo;

/// <summary>Which part of <c>cai demo</c> runs: the SL run only, the RL stages on an existing run, or both.</summary>
public enum DemoStages { Sl, Rl, All }
