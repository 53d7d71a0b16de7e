using System.Globalization;

namespace CaiEvents.Models;

/// <summary>
/// This process's resident memory as Linux reports it in <c>/proc/self/status</c>: VmRSS (now) and VmHWM (the peak).
/// Used to measure what loading a checkpoint costs against the size of its weight files.
/// </summary>
public static class ProcessMemory
{
    private const string StatusPath = "/proc/self/status";
    private const string ClearRefsPath = "/proc/self/clear_refs";

    /// <summary>Current and peak resident set size in bytes, or null where <c>/proc</c> is not there (not Linux).</summary>
    public static (long ResidentBytes, long PeakResidentBytes)? Read()
    {
        if (!File.Exists(StatusPath))
        {
            return null;
        }
        return Parse(File.ReadAllLines(StatusPath));
    }

    /// <summary>VmRSS and VmHWM of <c>/proc/PID/status</c> lines (values in kB), in bytes; null when either is missing.</summary>
    public static (long ResidentBytes, long PeakResidentBytes)? Parse(IEnumerable<string> statusLines)
    {
        ArgumentNullException.ThrowIfNull(statusLines);
        long? rss = null, hwm = null;
        foreach (var line in statusLines)
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = Kilobytes(line);
            }
        }
        return rss is { } r && hwm is { } h ? (r, h) : null;
    }

    /// <summary>
    /// Resets the peak (VmHWM) to the current RSS by writing 5 to <c>/proc/self/clear_refs</c> (Linux ≥ 4.0), so a later
    /// <see cref="Read"/> gives the peak of what ran in between. False where the kernel refuses it.
    /// </summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText(ClearRefsPath, "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long Kilobytes(string line)
    {
        var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
    }
}
