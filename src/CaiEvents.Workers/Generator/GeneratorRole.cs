using CaiEvents.Workers.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CaiEvents.Workers.Generator;

/// <summary>The Generator role: initial responses, response pairs (batched) and PPO rollouts for a learner elsewhere.</summary>
public static class GeneratorRole
{
    public static IServiceCollection AddGeneratorRole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRoleOptions<GeneratorOptions>("Generator");
        services.TryAddSingleton<RolloutPolicyCache>();
        services.AddRoleConsumer<GenerateResponseConsumer, GenerateResponseConsumerDefinition>();
        services.AddFaultConsumer<GenerateResponseFaultConsumer>();
        services.AddRoleConsumer<GenerateResponsePairConsumer, GenerateResponsePairConsumerDefinition>();
        services.AddFaultConsumer<GenerateResponsePairFaultConsumer>();
        services.AddRoleConsumer<GenerateRolloutsConsumer, GenerateRolloutsConsumerDefinition>();
        return services;
    }
}
