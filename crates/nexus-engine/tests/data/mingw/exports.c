/* Test sample for nexus-engine: a DLL with named exports and a version resource. Never loaded. */
#include <windows.h>

__declspec(dllexport) int nexus_add(int a, int b) { return a + b; }
__declspec(dllexport) int nexus_mul(int a, int b) { return a * b; }

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
    (void)instance; (void)reason; (void)reserved;
    return TRUE;
}
