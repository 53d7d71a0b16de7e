using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>
/// The PPOLearner role: <see cref="TrainPolicyConsumer"/> starts a job, the background job service runs PPO (<see cref="PpoJob"/>)
/// with rollouts in-process or from Generator workers (<see cref="WorkerRollouts"/>).
/// </summary>
public static class PPOLearnerRole
{
    public static IServiceCollection AddPPOLearnerRole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRoleOptions<PPOLearnerOptions>("PPOLearner");
        services.AddSingleton<PpoProgress>();
        services.AddSingleton<IRolloutGenerator, WorkerRollouts>();
        services.AddSingleton<PpoJob>();
        services.AddSingleton<IBackgroundJobRunner>(sp => sp.GetRequiredService<PpoJob>());
        services.AddBackgroundJobs();
        services.AddRoleConsumer<TrainPolicyConsumer, TrainPolicyConsumerDefinition>();
        return services;
    }
}
