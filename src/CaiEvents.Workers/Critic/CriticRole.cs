using CaiEvents.Workers.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Workers.Critic;

/// <summary>The Critic role: critiques of the latest response against a sampled principle.</summary>
public static class CriticRole
{
    public static IServiceCollection AddCriticRole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRoleOptions<CriticOptions>("Critic");
        services.AddRoleConsumer<CritiqueConsumer, CritiqueConsumerDefinition>();
        services.AddFaultConsumer<CritiqueFaultConsumer>();
        return services;
    }
}
