using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Generator;

/// <summary>Records a response step that failed after its retries.</summary>
public sealed class GenerateResponseFaultConsumer(SampleFailureRecorder failures) : StepFaultConsumer<GenerateResponse>(failures, WorkerRoles.Generator);
