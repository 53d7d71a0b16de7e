using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Reviser;

/// <summary>Records a revision step that failed after its retries.</summary>
public sealed class RevisionFaultConsumer(SampleFailureRecorder failures) : StepFaultConsumer<RevisionRequested>(failures, WorkerRoles.Reviser);
