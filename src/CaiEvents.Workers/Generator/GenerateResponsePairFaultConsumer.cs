using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Generator;

/// <summary>Records a pair step that failed after its retries.</summary>
public sealed class GenerateResponsePairFaultConsumer(ComparisonFailureRecorder failures)
    : StepFaultConsumer<GenerateResponsePair>(failures, WorkerRoles.Generator);
