/* Test sample for nexus-engine: a TLS callback and a hostile-looking URL string. Never executed. */
#include <windows.h>
#include <stdio.h>

static void NTAPI on_tls(PVOID module, DWORD reason, PVOID reserved) {
    (void)module; (void)reason; (void)reserved;
}

#ifdef _WIN64
#pragma const_seg(".CRT$XLB")
const PIMAGE_TLS_CALLBACK tls_callback_entry = on_tls;
#pragma const_seg()
#else
#pragma data_seg(".CRT$XLB")
PIMAGE_TLS_CALLBACK tls_callback_entry = on_tls;
#pragma data_seg()
#endif
PIMAGE_TLS_CALLBACK keep_tls_callback __attribute__((used, section(".CRT$XLB"))) = on_tls;

int main(void) {
    puts("http://203.0.113.77/stage2.bin");
    return 0;
}
