namespace CaiEvents.Contracts.Commands;

/// <summary>
/// Commands are sent to a role's queue rather than published: to the exchange of the same name, bound to the durable
/// queue that every bus host declares at start (with the configured queue type, <c>CaiEvents.Hosting.CommandQueueTopology</c>),
/// so a run submitted before any worker starts waits in RabbitMQ instead of being dropped by an exchange with no bindings.
/// Each role's consumer listens on its queue; several processes on one queue are competing consumers (horizontal scaling).
/// </summary>
public static class CommandQueues
{
    public const string GenerateResponse = "cai-generate-response";
    public const string Critique = "cai-critique";
    public const string Revision = "cai-revision";
    public const string GenerateResponsePair = "cai-generate-response-pair";
    public const string LabelPreference = "cai-label-preference";
    public const string TrainPreferenceModel = "cai-train-preference-model";
    public const string TrainPolicy = "cai-train-policy";
    public const string GenerateRollouts = "cai-generate-rollouts";
    public const string FineTunePolicy = "cai-fine-tune-policy";

    /// <summary>Every command queue: a consumer on any of them is a worker that may append events.</summary>
    public static readonly IReadOnlyList<string> All =
        [GenerateResponse, Critique, Revision, GenerateResponsePair, LabelPreference, TrainPreferenceModel, TrainPolicy, GenerateRollouts,
            FineTunePolicy];

    public static string For(object command) => command switch
    {
        Commands.GenerateResponse => GenerateResponse,
        CritiqueRequested => Critique,
        RevisionRequested => Revision,
        Commands.GenerateResponsePair => GenerateResponsePair,
        Commands.LabelPreference => LabelPreference,
        Commands.TrainPreferenceModel => TrainPreferenceModel,
        Commands.TrainPolicy => TrainPolicy,
        Commands.GenerateRollouts => GenerateRollouts,
        Commands.FineTunePolicy => FineTunePolicy,
        _ => throw new ArgumentException($"no queue for command type {command.GetType().Name}", nameof(command)),
    };

    /// <summary>
    /// The exchange in front of the command's queue. Not <c>queue:name</c>: that makes the sender declare the queue too,
    /// without its type, which RabbitMQ refuses for a quorum queue.
    /// </summary>
    public static Uri AddressFor(object command) => new($"exchange:{For(command)}");
}
