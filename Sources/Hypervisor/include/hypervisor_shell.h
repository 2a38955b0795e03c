/* Everything the Swift hypervisor imports as the HVRegs module. board.h is
   generated per platform (`apus platform NAME --emit-header`) into the build. */
#include "architecture.h"
#include "hypervisor_abi.h"
#include "board.h"
#include "hvregs.h"
#include "boot_interface.h"
