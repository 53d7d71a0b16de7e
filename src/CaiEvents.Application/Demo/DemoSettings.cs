namespace CaiEvents.Application.Demo;

/// <summary>The demo's RL settings; the CLI's defaults keep the whole demo within a few minutes on 2 CPU cores.</summary>
public sealed record DemoSettings(int SftEpochs, int PmEpochs, int PpoSteps, int RolloutsPerStep, int EvalSamples);
