using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Critic;

/// <summary>Records a critique step that failed after its retries.</summary>
public sealed class CritiqueFaultConsumer(SampleFailureRecorder failures) : StepFaultConsumer<CritiqueRequested>(failures, WorkerRoles.Critic);
