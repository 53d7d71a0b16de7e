using CaiEvents.Workers.Submission;

namespace CaiEvents.Application.Demo;

/// <summary>A demo to run: a new SL run (<see cref="Run"/>) or the RL stages on an existing one (<see cref="RlRun"/>).</summary>
public sealed record DemoRequest(RunRequest? Run, Guid? RlRun, DemoStages Stages, DemoSettings Settings, int? Concurrency);
