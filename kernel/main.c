/* cnb-kernel entry point (placeholder until the front process lands). */
#include <stdio.h>

int main(void)
{
    fprintf(stderr, "cnb-kernel: not built yet\n");
    return 1;
}
